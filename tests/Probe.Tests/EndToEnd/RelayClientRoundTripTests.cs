using System.Net;
using System.Text.Json;
using SmarthostLab.Contracts;
using SmarthostLab.Probe.Relay;
using SmarthostLab.Tests.Support;

namespace SmarthostLab.Probe.Tests.EndToEnd;

/// <summary>
/// The probe reads the relay's API into the relay's own contract types (src/Contracts, issue 17): a message a real relay
/// stored, verified, signed and sent on, its refusal of an unregistered client, its info and accounts, fetched by the
/// probe's <see cref="RelayClient"/>, carry every field the probe's findings use, and nothing of the wire JSON is lost.
/// </summary>
public sealed class RelayClientRoundTripTests
{
    private const string Token = "shl-roundtrip-0123";
    private const string Bounced = "gone@example.com";

    [Fact]
    public async Task A_stored_message_its_refusal_info_and_accounts_reach_the_probe_with_every_field_it_uses()
    {
        await using var nextHop = ScriptedSmtpServer.Start(new ScriptedSmtpServerOptions
        {
            Reply = c => c.Verb == "RCPT" && c.Address == Bounced ? "550 5.1.1 no such user" : null,
        });
        using var data = new TempFolder();
        // The relay signs with the sample key, which is not the key data/contoso-good.zone publishes for s1: a DKIM fail
        // with its reason, beside SPF and DMARC passes.
        await using var relay = await LabRelayFixture.StartAsync(data.Path,
            "--Delivery:Mode=NextHop", $"--Delivery:NextHop=[127.0.0.1]:{nextHop.Port}",
            "--Accounts:0:Dkim:0:Domain=contoso.test", "--Accounts:0:Dkim:0:Selector=s1",
            "--Accounts:0:Dkim:0:PrivateKeyFile=" + Path.Combine(RepositoryFiles.Root(), "samples", "keys", "contoso.test.s1.pem"));
        var since = DateTimeOffset.UtcNow.AddSeconds(-5);
        await SendAsync(relay.SmtpEndPoint.Port);
        await using (var refused = await RawSmtpClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, relay.SmtpEndPoint.Port), IPAddress.Parse("127.0.0.3")))
            Assert.StartsWith("554 5.7.1", await refused.ReadReplyAsync());
        using var client = new RelayClient(relay.HttpBaseAddress.ToString());

        var message = await client.WaitAsync(Token, DeliveryStates.Delivered, 10, CancellationToken.None);

        Assert.NotNull(message);
        Assert.Equal(("contoso", "127.0.0.2", "mta.contoso.test", "alice@contoso.test"), (message.Account, message.ClientIp, message.Helo, message.MailFrom));
        Assert.Equal(["bob@example.com", Bounced], message.Recipients);
        Assert.Equal($"round trip {Token}", message.Subject);
        Assert.Null(message.Tls);
        var verdict = message.Verdict!;
        Assert.Equal((SpfResult.Pass, "contoso.test", "198.51.100.25", "mailfrom"), (verdict.Spf.Result, verdict.Spf.Domain, verdict.Spf.Ip, verdict.Spf.Identity));
        Assert.Equal((SpfResult.Fail, "127.0.0.2"), (verdict.SpfClient.Result, verdict.SpfClient.Ip));
        Assert.False(string.IsNullOrEmpty(verdict.SpfClient.Reason));
        var dkim = Assert.Single(verdict.Dkim);
        Assert.Equal((DkimResult.Fail, "contoso.test", "s1", "rsa-sha256"), (dkim.Result, dkim.Domain, dkim.Selector, dkim.Algorithm));
        Assert.False(string.IsNullOrEmpty(dkim.Reason));
        Assert.Equal((DmarcResult.Pass, "reject", "contoso.test", true, false), (verdict.Dmarc.Result, verdict.Dmarc.Policy, verdict.Dmarc.FromDomain, verdict.Dmarc.SpfAligned, verdict.Dmarc.DkimAligned));
        Assert.Equal(VerdictAction.Accept, verdict.Action);
        var delivered = message.Delivery.Single(d => d.Recipient == "bob@example.com");
        Assert.Equal((DeliveryStates.Delivered, 1, $"127.0.0.1:{nextHop.Port}"), (delivered.State, delivered.Attempts, delivered.RemoteAddress));
        Assert.StartsWith("250 ", delivered.LastReply, StringComparison.Ordinal);
        Assert.NotNull(delivered.LastAttemptAt);
        var bounced = message.Delivery.Single(d => d.Recipient == Bounced);
        Assert.Equal((DeliveryStates.Bounced, "550 5.1.1 no such user"), (bounced.State, bounced.LastReply));

        // Nothing is lost between the relay's JSON and the probe's types: written back, they are the same bytes.
        using var http = new HttpClient();
        var wire = await http.GetStringAsync(new Uri(relay.HttpBaseAddress, $"api/v1/messages/{message.Id}"));
        Assert.Equal(wire, JsonSerializer.Serialize(await client.GetMessageAsync(message.Id, CancellationToken.None), ApiJson.Context.MessageResponse));

        var refusal = Assert.Single((await client.GetRefusalsAsync(since, "127.0.0.3", CancellationToken.None)).Refusals);
        Assert.Equal(("127.0.0.3", "connect", "unregistered-ip"), (refusal.ClientIp, refusal.Stage, refusal.Reason));
        Assert.StartsWith("554 5.7.1", refusal.Reply, StringComparison.Ordinal);

        var info = await client.GetInfoAsync(CancellationToken.None);
        Assert.Equal(("smarthost.test", false, true), (info.HostName, info.AuthRequired, info.AuthRequiresTls)); // AUTH only after STARTTLS by default
        Assert.Equal(["198.51.100.25"], info.EgressAddresses);
        Assert.NotNull(info.AuthMechanisms);
        Assert.Contains(info.Smtp, e => e.Endpoint == $"127.0.0.1:{relay.SmtpEndPoint.Port}");

        var account = Assert.Single((await client.GetAccountsAsync(CancellationToken.None)).Accounts);
        Assert.Equal("contoso", account.Name);
        Assert.Contains(account.OutboundServers, s => s.StartsWith("127.0.0.2", StringComparison.Ordinal));
    }

    private static async Task SendAsync(int port)
    {
        await using var smtp = await RawSmtpClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), IPAddress.Parse("127.0.0.2"));
        Assert.StartsWith("220", await smtp.ReadReplyAsync());
        Assert.StartsWith("250", await smtp.CommandAsync("EHLO mta.contoso.test"));
        Assert.StartsWith("250", await smtp.CommandAsync("MAIL FROM:<alice@contoso.test>"));
        Assert.StartsWith("250", await smtp.CommandAsync("RCPT TO:<bob@example.com>"));
        Assert.StartsWith("250", await smtp.CommandAsync($"RCPT TO:<{Bounced}>"));
        Assert.StartsWith("354", await smtp.CommandAsync("DATA"));
        Assert.StartsWith("250", await smtp.CommandAsync(
            $"From: alice@contoso.test\r\nTo: bob@example.com\r\nSubject: round trip {Token}\r\nMessage-ID: <{Token}@contoso.test>\r\n\r\nHello.\r\n."));
        await smtp.CommandAsync("QUIT");
    }
}
