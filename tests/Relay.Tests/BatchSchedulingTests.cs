using System.Globalization;
using System.Net;
using SmarthostLab.Relay.Tests.Infrastructure;
using SmarthostLab.Tests.Support;

namespace SmarthostLab.Relay.Tests;

/// <summary>The relay executable puts its threads in SCHED_BATCH (Host:BatchScheduling), read back from /proc.</summary>
public sealed class BatchSchedulingTests
{
    private const int SchedBatch = 3;

    [Fact]
    public async Task Every_thread_of_the_relay_process_runs_in_SCHED_BATCH_after_it_served_a_session()
    {
        if (!OperatingSystem.IsLinux()) return;
        // Thread-pool workers started for the session come up in the default policy; the sweep once a second
        // switches them, so the policies are read until all are SCHED_BATCH or 5 s have passed.
        var (policies, log) = await RunRelayAsync(waitFor: "Threads in SCHED_BATCH: ", settled: all => all.TrueForAll(p => p.Policy == SchedBatch));
        Assert.Matches(@"Threads in SCHED_BATCH: \d+", log);
        Assert.True(policies.Count > 5, $"{policies.Count} threads");
        Assert.All(policies, p => Assert.True(p.Policy == SchedBatch, $"thread {p.Name}: policy {p.Policy}"));
    }

    [Fact]
    public async Task BatchScheduling_false_leaves_the_policy_the_process_started_with()
    {
        if (!OperatingSystem.IsLinux()) return;
        // A child starts in the policy of the thread that started it: this test host's, whatever CI runs it in.
        var inherited = Policy(File.ReadAllText("/proc/thread-self/stat")).Policy;
        var (policies, log) = await RunRelayAsync(waitFor: null, settled: null, "--Host:BatchScheduling=false");
        Assert.DoesNotContain("SCHED_BATCH", log);
        Assert.All(policies, p => Assert.True(p.Policy == inherited, $"thread {p.Name}: policy {p.Policy}, expected {inherited}"));
    }

    /// <summary>"tid (comm) state …": comm may hold spaces and parentheses; policy is field 41, the 39th after the last ')'.</summary>
    private static (string Name, int Policy) Policy(string stat)
    {
        var close = stat.LastIndexOf(')');
        var fields = stat[(close + 2)..].Split(' ');
        return (stat[(stat.IndexOf('(') + 1)..close], int.Parse(fields[38], CultureInfo.InvariantCulture));
    }

    /// <summary>
    /// Starts the relay executable, reads its log up to <paramref name="waitFor"/> (the refusal warning fails at once),
    /// sends one SMTP session, reads every thread's policy (again every 100 ms until <paramref name="settled"/>
    /// holds, for 5 s at most), stops it. The log returned holds everything the relay wrote.
    /// </summary>
    private static async Task<(List<(string Name, int Policy)> Policies, string Log)> RunRelayAsync(
        string? waitFor, Predicate<List<(string Name, int Policy)>>? settled, params string[] extra)
    {
        await using var relay = await RelayProcess.StartAsync(extra);
        if (waitFor is not null)
        {
            var line = await relay.ReadUntilAsync(waitFor, "Host:BatchScheduling:");
            Assert.True(line?.Contains(waitFor, StringComparison.Ordinal), $"no \"{waitFor}\" in the log:\n{relay.Log}");
        }

        // A session, so that the socket engine's and the thread pool's threads exist.
        await using (var client = await RawSmtpClient.ConnectAsync(IPEndPoint.Parse(relay.SmtpEndpoint)))
        {
            Assert.StartsWith("220 ", await client.ReadReplyAsync());
            Assert.StartsWith("250", await client.CommandAsync("EHLO probe.test"));
            Assert.StartsWith("221", await client.CommandAsync("QUIT"));
        }
        var policies = new List<(string Name, int Policy)>();
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (true)
        {
            policies.Clear();
            foreach (var task in Directory.EnumerateDirectories($"/proc/{relay.Process.Id}/task"))
            {
                try { policies.Add(Policy(await File.ReadAllTextAsync(Path.Combine(task, "stat")))); }
                catch (IOException) { } // the thread ended meanwhile
            }
            if (settled is null || settled(policies) || DateTime.UtcNow > deadline) break;
            await Task.Delay(100);
        }
        await relay.KillAsync();
        return (policies, relay.Log.ToString());
    }
}
