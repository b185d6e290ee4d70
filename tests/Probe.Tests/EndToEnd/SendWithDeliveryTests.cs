namespace SmarthostLab.Probe.Tests.EndToEnd;

public sealed class SendWithDeliveryTests(NextHopRelayFixture lab) : IClassFixture<NextHopRelayFixture>
{
    private string[] Send(string to, string timeout, params string[] extra) =>
    [
        "send", "--via", lab.Via, "--bind", "127.0.0.2", "--from", "alice@contoso.test", "--to", to,
        "--relay", lab.Url, "--timeout", timeout, "--json", .. extra,
    ];

    [Fact]
    public async Task The_next_hop_accepts_and_the_probe_reports_it_delivered()
    {
        var run = await ProbeRun.RunAsync(Send("bob@example.com", "10"));

        Assert.True(run.ExitCode == 0, run.Out + run.Error);
        Assert.Equal("pass", run.Severity("action"));
        Assert.Equal("pass", run.Severity("delivered"));
        Assert.Matches(@"^the relay delivered it to 127\.0\.0\.1\[127\.0\.0\.1:\d+\] after 1 attempt: 250 2\.0\.0 Ok: queued as \d+$", run.Message("delivered"));
        Assert.Equal("delivered", run.Findings().Last().Check);
    }

    [Fact]
    public async Task The_next_hop_refuses_and_the_probe_fails_with_its_reply()
    {
        var run = await ProbeRun.RunAsync(Send(NextHopRelayFixture.Refused, "10"));

        Assert.Equal(1, run.ExitCode);
        Assert.Equal("pass", run.Severity("arrived"));
        Assert.Equal("fail", run.Severity("delivered"));
        Assert.Matches(@"^not delivered to gone@example\.com: bounced by .+ after 1 attempt: 550 5\.1\.1 no such user$", run.Message("delivered"));
    }

    [Fact]
    public async Task Still_deferred_when_the_timeout_runs_out_fails()
    {
        var run = await ProbeRun.RunAsync(Send(NextHopRelayFixture.Deferred, "6"));

        Assert.Equal(1, run.ExitCode);
        Assert.Equal("fail", run.Severity("delivered"));
        Assert.Matches(@"^not delivered to later@example\.com within 6 s: deferred after 1 attempt: .*451 4\.3\.0 try again later.*; next attempt at \d\d:\d\d:\d\dZ$", run.Message("delivered"));
    }

    [Fact]
    public async Task With_no_delivery_the_probe_does_not_wait_for_it()
    {
        var run = await ProbeRun.RunAsync(Send(NextHopRelayFixture.Refused, "10", "--no-delivery"));

        Assert.True(run.ExitCode == 0, run.Out + run.Error);
        Assert.Equal("pass", run.Severity("arrived"));
        Assert.Null(run.Severity("delivered"));
    }
}
