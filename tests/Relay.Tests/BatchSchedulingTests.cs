using System.Diagnostics;
using System.Globalization;
using System.Net;
using SmarthostLab.Tests.Support;

namespace SmarthostLab.Relay.Tests;

/// <summary>The relay executable puts its threads in SCHED_BATCH (Host:BatchScheduling), read back from /proc.</summary>
public sealed class BatchSchedulingTests
{
    private const int SchedOther = 0;
    private const int SchedBatch = 3;

    [Fact]
    public async Task Every_thread_of_the_relay_process_runs_in_SCHED_BATCH_after_it_served_a_session()
    {
        if (!OperatingSystem.IsLinux()) return;
        var (policies, log) = await RunRelayAsync(waitFor: "Threads in SCHED_BATCH: ");
        Assert.Matches(@"Threads in SCHED_BATCH: \d+", log);
        Assert.True(policies.Count > 5, $"{policies.Count} threads");
        Assert.All(policies, p => Assert.True(p.Policy == SchedBatch, $"thread {p.Name}: policy {p.Policy}"));
    }

    [Fact]
    public async Task BatchScheduling_false_leaves_the_default_policy()
    {
        if (!OperatingSystem.IsLinux()) return;
        var (policies, log) = await RunRelayAsync(waitFor: null, "--Host:BatchScheduling=false");
        Assert.DoesNotContain("SCHED_BATCH", log);
        Assert.All(policies, p => Assert.True(p.Policy == SchedOther, $"thread {p.Name}: policy {p.Policy}"));
    }

    /// <summary>
    /// Starts the relay executable, reads its log up to the HTTP API line (and <paramref name="waitFor"/>), sends one
    /// SMTP session, reads every thread's policy, stops it.
    /// </summary>
    private static async Task<(List<(string Name, int Policy)> Policies, string Log)> RunRelayAsync(string? waitFor, params string[] extra)
    {
        using var folder = new TempFolder();
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = folder.Path };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "smarthostlab-relay.dll"), "--data", folder.Path, "--smtp", "127.0.0.1:0", "--http", "127.0.0.1:0" }.Concat(extra))
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        try
        {
            var log = new System.Text.StringBuilder();
            var smtp = "";
            var listening = false;
            string? line;
            while ((line = await process.StandardOutput.ReadLineAsync().WaitAsync(TimeSpan.FromSeconds(60))) is not null)
            {
                log.AppendLine(line);
                var at = line.IndexOf("SMTP listening on ", StringComparison.Ordinal);
                if (at >= 0) smtp = line[(at + 18)..];
                if (line.Contains("HTTP API listening on", StringComparison.Ordinal)) listening = true;
                if (listening && (waitFor is null || line.Contains(waitFor, StringComparison.Ordinal))) break;
            }
            // A session, so that the socket engine's and the thread pool's threads exist.
            await using (var client = await RawSmtpClient.ConnectAsync(IPEndPoint.Parse(smtp)))
            {
                Assert.StartsWith("220 ", await client.ReadReplyAsync());
                Assert.StartsWith("250", await client.CommandAsync("EHLO probe.test"));
                Assert.StartsWith("221", await client.CommandAsync("QUIT"));
            }
            var policies = new List<(string, int)>();
            foreach (var task in Directory.EnumerateDirectories($"/proc/{process.Id}/task"))
            {
                string stat;
                try { stat = await File.ReadAllTextAsync(Path.Combine(task, "stat")); }
                catch (IOException) { continue; } // the thread ended meanwhile
                // "tid (comm) state ...": comm may hold spaces; policy is field 41, the 39th after the ')'.
                var close = stat.LastIndexOf(')');
                var name = stat[(stat.IndexOf('(') + 1)..close];
                var fields = stat[(close + 2)..].Split(' ');
                policies.Add((name, int.Parse(fields[38], CultureInfo.InvariantCulture)));
            }
            return (policies, log.ToString());
        }
        finally
        {
            process.Kill();
            await process.WaitForExitAsync();
        }
    }
}
