using System.Net;
using MailKit.Net.Smtp;
using MimeKit;

namespace SmarthostLab.Probe.Tests.EndToEnd;

public sealed class SendThroughAnotherMtaTests(LabRelayFixture lab) : IClassFixture<LabRelayFixture>
{
    [Fact]
    public async Task The_MTA_accepts_but_the_relay_refuses_its_address_the_refusal_ends_the_wait_early()
    {
        // The "MTA" forwards from an unregistered address, as an Exchange server whose public IP was never registered.
        await using var mta = new ForwardingMta(() => ForwardFromAsync(IPAddress.Parse("127.0.0.3")));
        var started = DateTime.UtcNow;

        var run = await ProbeRun.RunAsync("send", "--via", mta.Via, "--mta-ip", "127.0.0.3", "--from", "alice@contoso.test", "--to", "bob@example.com",
            "--relay", lab.Url, "--timeout", "30", "--json");

        Assert.Equal(1, run.ExitCode);
        Assert.Equal("pass", run.Severity("submission"));
        Assert.Equal("fail", run.Severity("arrived"));
        Assert.Contains("the relay refused 127.0.0.3: not a registered outbound server", run.Message("arrived"), StringComparison.Ordinal);
        Assert.True(DateTime.UtcNow - started < TimeSpan.FromSeconds(20), "the refusal should end the wait well before --timeout");
    }

    [Fact]
    public async Task Nothing_arrives_and_nothing_is_refused_the_report_says_so()
    {
        await using var mta = new ForwardingMta(() => Task.CompletedTask);

        var run = await ProbeRun.RunAsync("send", "--via", mta.Via, "--mta-ip", "192.0.2.99", "--from", "alice@contoso.test", "--to", "nobody@example.com",
            "--relay", lab.Url, "--timeout", "2", "--json");

        Assert.Equal(1, run.ExitCode);
        Assert.Equal("fail", run.Severity("arrived"));
        Assert.Contains("logged no refusal", run.Message("arrived"), StringComparison.Ordinal);
    }

    private async Task ForwardFromAsync(IPAddress source)
    {
        using var client = new SmtpClient { LocalEndPoint = new IPEndPoint(source, 0), Timeout = 10_000 };
        client.ServerCertificateValidationCallback = (_, _, _, _) => true;
        try
        {
            await client.ConnectAsync("127.0.0.1", lab.Relay.SmtpEndPoint.Port, MailKit.Security.SecureSocketOptions.None);
            var message = new MimeMessage { Subject = "forwarded" };
            message.From.Add(MailboxAddress.Parse("alice@contoso.test"));
            message.To.Add(MailboxAddress.Parse("bob@example.com"));
            message.Body = new TextPart("plain") { Text = "x" };
            await client.SendAsync(message);
        }
        catch (Exception ex) when (ex is SmtpCommandException or SmtpProtocolException or IOException)
        {
            // Expected: the relay refuses the unregistered address.
        }
    }
}
