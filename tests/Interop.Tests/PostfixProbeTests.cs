using System.Text.Json;
using SmarthostLab.Probe;

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

        var (code, stdout, stderr) = await RunProbeAsync(
            "send", "--via", $"127.0.0.1:{postfix.SubmissionPort}", "--from", "alice@contoso.test", "--to", "bob@example.com",
            "--relay", relay.BaseUrl, "--timeout", "60", "--json");

        Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}\nPostfix log:\n{PostfixHarness.LogTail()}");
        using var report = JsonDocument.Parse(stdout);
        Assert.Contains("127.0.0.2", stdout, StringComparison.Ordinal);
        Assert.Contains("contoso", stdout, StringComparison.Ordinal);
    }

    [PostfixFact]
    public async Task Probe_through_Postfix_bound_to_an_unregistered_address_names_the_refusal_and_exits_1()
    {
        await using var relay = await InteropRelay.StartAsync();
        await using var postfix = await PostfixHarness.AcquireAsync(relay.Relay.SmtpEndPoint.Port, "127.0.0.3");

        var (code, stdout, stderr) = await RunProbeAsync(
            "send", "--via", $"127.0.0.1:{postfix.SubmissionPort}", "--from", "alice@contoso.test", "--to", "bob@example.com",
            "--relay", relay.BaseUrl, "--timeout", "30", "--mta-ip", "127.0.0.3");

        Assert.True(code == 1, $"exit {code}\n{stdout}\n{stderr}");
        Assert.Contains("127.0.0.3", stdout, StringComparison.Ordinal);
        Assert.Contains("not a registered outbound server", stdout, StringComparison.Ordinal);
    }

    private static async Task<(int Code, string Stdout, string Stderr)> RunProbeAsync(params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await ProbeApp.RunAsync(args, stdout, stderr);
        return (code, stdout.ToString(), stderr.ToString());
    }
}
