using SmarthostLab.Bench.Load;
using SmarthostLab.Tests.Support;

namespace SmarthostLab.Bench.Tests;

/// <summary>
/// <c>load --rate N</c>: messages due at fixed intervals whatever the replies, latency from each message's due time.
/// Every run is bounded by --messages and --duration; the assertions hold however slow the machine is (lower bounds
/// an open loop cannot beat, counts), none is a time limit.
/// </summary>
public sealed class OpenLoopTests
{
    [Fact]
    public async Task Against_the_relay_it_sends_at_the_rate_asked_and_measures_latency_from_each_due_time()
    {
        var port = RelayChildProcess.FreePort();
        var run = await BenchRun.RunAsync("load", "--start-relay", "--target", $"127.0.0.1:{port}", "--bind", "127.0.0.2",
            "--connections", "4", "--rate", "10", "--messages", "20", "--duration", "60", "--json", "--progress", "--label", "relay");

        using var report = run.Json();
        var root = report.RootElement;
        Assert.True(run.ExitCode == 0, run.Error);
        var open = root.GetProperty("openLoop");
        Assert.Equal(10, open.GetProperty("rate").GetInt32());
        Assert.Equal(20, open.GetProperty("scheduled").GetInt64());
        Assert.Equal(20, open.GetProperty("started").GetInt64());
        Assert.Equal(20, root.GetProperty("accepted").GetInt64());
        Assert.Equal("relay", root.GetProperty("label").GetString());

        // Message i is due at i/10 s: the 20th cannot start before 1.9 s, so no faster than the rate asked.
        Assert.True(root.GetProperty("elapsedSeconds").GetDouble() >= 1.9, root.ToString());
        Assert.True(open.GetProperty("startedPerSecond").GetDouble() <= 10 * 20 / 19.0, root.ToString());

        // From the due time, which is never after the message's own start: each percentile at least the server's own time.
        Assert.Equal("due-time", root.GetProperty("latencyFrom").GetString());
        var latency = root.GetProperty("latencyMs");
        var service = root.GetProperty("serviceLatencyMs");
        Assert.Equal(20, latency.GetProperty("count").GetInt64());
        foreach (var p in new[] { "p50", "p90", "p99", "p999", "max" })
            Assert.True(latency.GetProperty(p).GetDouble() >= service.GetProperty(p).GetDouble() && service.GetProperty(p).GetDouble() > 0, $"{p}: {latency} vs {service}");

        // Progress once a second on stderr (asked for with --json), with the late starts of the open loop.
        Assert.Matches(@"load: \d+ s  \d+ msg/s  accepted \d+  refused 0  errors 0  late \d+", run.Error);
    }

    [Fact]
    public async Task The_schedule_ends_with_the_duration_when_it_comes_before_the_messages()
    {
        var port = RelayChildProcess.FreePort();
        var run = await BenchRun.RunAsync("load", "--start-relay", "--target", $"127.0.0.1:{port}", "--bind", "127.0.0.2",
            "--connections", "2", "--rate", "5", "--messages", "100000", "--duration", "2", "--json");

        using var report = run.Json();
        var root = report.RootElement;
        var open = root.GetProperty("openLoop");
        Assert.Equal(10, open.GetProperty("scheduled").GetInt64());
        Assert.InRange(open.GetProperty("started").GetInt64(), 1, 10);
        Assert.True(root.GetProperty("accepted").GetInt64() <= open.GetProperty("started").GetInt64());
        Assert.DoesNotContain("msg/s  accepted", run.Error); // --json alone: no progress lines
    }

    /// <summary>
    /// The point of the open loop: a server that takes 300 ms a message, one connection, 10 messages due a second.
    /// A closed loop would report about 300 ms for every message; from the due times the sixth message, due at
    /// 0.5 s and answered no earlier than 1.8 s, has waited at least 1.3 s, and the late starts are counted.
    /// </summary>
    [Fact]
    public async Task A_slow_server_shows_in_the_latency_and_in_late_starts_instead_of_slowing_the_schedule()
    {
        var serviceTime = TimeSpan.FromMilliseconds(300);
        await using var server = ScriptedSmtpServer.Start(new ScriptedSmtpServerOptions
        {
            MessageReply = _ =>
            {
                Thread.Sleep(serviceTime);
                return null;
            },
        });

        var run = await BenchRun.RunAsync("load", "--target", $"127.0.0.1:{server.Port}", "--connections", "1",
            "--rate", "10", "--messages", "6", "--duration", "60", "--json", "--quiet");

        using var report = run.Json();
        var root = report.RootElement;
        Assert.True(run.ExitCode == 0, run.Error);
        Assert.Equal(6, root.GetProperty("accepted").GetInt64());
        var open = root.GetProperty("openLoop");
        Assert.True(open.GetProperty("late").GetInt64() >= 4, open.ToString()); // messages 2..6 found the connection busy
        Assert.True(open.GetProperty("maxStartDelayMs").GetDouble() >= 900, open.ToString()); // the sixth: started >= 1.5 s, due 0.5 s
        var latency = root.GetProperty("latencyMs");
        var service = root.GetProperty("serviceLatencyMs");
        Assert.True(service.GetProperty("p50").GetDouble() >= serviceTime.TotalMilliseconds, service.ToString());
        Assert.True(latency.GetProperty("max").GetDouble() >= 1300, latency.ToString());
        Assert.Equal("", run.Error);
    }
}
