using SmarthostLab.Probe.Tests;

namespace SmarthostLab.Interop.Tests;

/// <summary>
/// The probe's end-to-end check through a real MTA: probe submits to Postfix, Postfix relays to the
/// smarthost, probe waits for the message at the relay and reports.
/// </summary>
[Collection(PostfixCollection.Name)]
public sealed class PostfixProbeTests
{
    [PostfixFact]
    public async Task Probe_through_Postfix_from_a_registered_address_reports_pass()
    {
        await using var relay = await InteropRelay.StartAsync();
        await using var postfix = await PostfixHarness.AcquireAsync(relay.Relay.SmtpEndPoint.Port, "127.0.0.2");

        var run = await ProbeRun.RunAsync(
            "send", "--via", $"127.0.0.1:{postfix.SubmissionPort}", "--from", "alice@contoso.test", "--to", "bob@example.com",
            "--relay", relay.BaseUrl, "--timeout", "60", "--json");

        Assert.True(run.ExitCode == 0, $"exit {run.ExitCode}\n{run.Out}\n{run.Error}\nPostfix log:\n{PostfixHarness.LogTail()}");
        // The relay saw Postfix's bound address, not the probe's: the message really went through the MTA.
        Assert.Equal("pass", run.Severity("client-ip"));
        Assert.Contains("127.0.0.2, a registered outbound server of account 'contoso'", run.Message("client-ip"), StringComparison.Ordinal);
    }

    [PostfixFact]
    public async Task Probe_through_Postfix_bound_to_an_unregistered_address_names_the_refusal_and_exits_1()
    {
        await using var relay = await InteropRelay.StartAsync();
        await using var postfix = await PostfixHarness.AcquireAsync(relay.Relay.SmtpEndPoint.Port, "127.0.0.3");

        var run = await ProbeRun.RunAsync(
            "send", "--via", $"127.0.0.1:{postfix.SubmissionPort}", "--from", "alice@contoso.test", "--to", "bob@example.com",
            "--relay", relay.BaseUrl, "--timeout", "30", "--mta-ip", "127.0.0.3");

        Assert.True(run.ExitCode == 1, $"exit {run.ExitCode}\n{run.Out}\n{run.Error}");
        Assert.Contains("127.0.0.3", run.Out, StringComparison.Ordinal);
        Assert.Contains("not a registered outbound server", run.Out, StringComparison.Ordinal);
    }
}
