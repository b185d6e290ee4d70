using System.Net;
using System.Net.Http.Json;
using SmarthostLab.Relay.Api;
using SmarthostLab.Contracts;
using SmarthostLab.Relay.Tests.Infrastructure;
using SmarthostLab.Tests.Support;

namespace SmarthostLab.Relay.Tests;

public sealed class AdmissionEndToEndTests
{
    [Fact]
    public async Task Unregistered_client_gets_554_in_place_of_the_greeting_then_503_and_the_refusal_is_listed()
    {
        await using var relay = await TestRelay.StartAsync();
        await using (var quitting = await RawSmtpClient.ConnectAsync(relay.Smtp, TestRelay.Unregistered))
        {
            Assert.Equal("554 5.7.1 127.0.0.3 is not a registered outbound server of any account", await quitting.ReadReplyAsync());
            Assert.StartsWith("221", await quitting.CommandAsync("QUIT"));
        }
        await using var client = await RawSmtpClient.ConnectAsync(relay.Smtp, TestRelay.Unregistered);
        Assert.Equal("554 5.7.1 127.0.0.3 is not a registered outbound server of any account", await client.ReadReplyAsync());
        await client.SendAsync("EHLO mx.example\r\nMAIL FROM:<alice@contoso.test>\r\n");
        Assert.Equal("503 5.7.1 Session refused; only QUIT is accepted", await client.ReadReplyAsync());
        Assert.Equal("503 5.7.1 Session refused; only QUIT is accepted", await client.ReadReplyAsync());
        // Answered for what it sent at once, then closed: a refused session is not kept waiting for more.
        Assert.Null(await client.ReadLineAsync(TimeSpan.FromSeconds(10)));

        // One record per refused connection: the 503s that follow repeat it and are not listed again.
        var refusals = await relay.RefusalsAsync("?ip=127.0.0.3");
        Assert.Equal(2, refusals.Refusals.Count);
        Assert.All(refusals.Refusals, connect =>
        {
            Assert.Equal("connect", connect.Stage);
            Assert.Equal("554 5.7.1 127.0.0.3 is not a registered outbound server of any account", connect.Reply);
            Assert.Equal("unregistered-ip", connect.Reason);
            Assert.Equal("127.0.0.3", connect.ClientIp);
        });
        Assert.Empty((await relay.RefusalsAsync("?ip=127.0.0.2")).Refusals);
    }

    [Fact]
    public async Task Registered_client_is_greeted_and_may_relay_to_any_domain()
    {
        await using var relay = await TestRelay.StartAsync();
        var reply = await Mail.SendAsync(relay.Smtp, TestRelay.Registered, Mail.Message("any domain", to: "someone@far-away.example"));
        Assert.Contains("Ok: queued as", reply);
    }

    [Fact]
    public async Task RefuseAt_Rcpt_greets_and_refuses_each_recipient_with_relaying_denied()
    {
        await using var relay = await TestRelay.StartAsync("--Admission:RefuseAt=Rcpt");
        await using var client = await RawSmtpClient.ConnectAsync(relay.Smtp, TestRelay.Unregistered);

        Assert.StartsWith("220 ", await client.ReadReplyAsync());
        Assert.StartsWith("250", await client.CommandAsync("EHLO mx.example"));
        Assert.StartsWith("250", await client.CommandAsync("MAIL FROM:<a@contoso.test>"));
        Assert.Equal("550 5.7.1 relaying denied: 127.0.0.3 is not a registered outbound server", await client.CommandAsync("RCPT TO:<b@example.com>"));

        var refusal = Assert.Single((await relay.RefusalsAsync("?ip=127.0.0.3")).Refusals, r => r.Stage == "rcpt");
        Assert.Equal("b@example.com", refusal.Recipient);
        Assert.Equal("a@contoso.test", refusal.MailFrom);
        Assert.Equal("mx.example", refusal.Helo);
    }

    [Fact]
    public async Task MailFrom_outside_the_account_domains_is_refused_when_the_policy_says_reject()
    {
        await using var relay = await TestRelay.StartAsync("--Accounts:0:MailFromPolicy=Reject");
        await using var client = await RawSmtpClient.ConnectAsync(relay.Smtp, TestRelay.Registered);
        await client.ReadReplyAsync();
        await client.CommandAsync("EHLO exchange.contoso.test");

        Assert.Equal("550 5.7.1 other.test is not a domain of account lab", await client.CommandAsync("MAIL FROM:<eve@other.test>"));
        Assert.StartsWith("250", await client.CommandAsync("MAIL FROM:<alice@contoso.test>"));
        await client.CommandAsync("RSET");
        Assert.StartsWith("250", await client.CommandAsync("MAIL FROM:<alice@sub.contoso.test>"));

        var refusal = Assert.Single((await relay.RefusalsAsync()).Refusals);
        Assert.Equal(("mail", "sender-domain", "lab"), (refusal.Stage, refusal.Reason, refusal.Account));
    }

    [Fact]
    public async Task Outbound_server_added_at_runtime_admits_the_next_connection_and_survives_a_restart()
    {
        using var folder = new TempFolder();
        await using (var relay = await TestRelay.StartInAsync(folder.Path))
        {
            await using (var before = await RawSmtpClient.ConnectAsync(relay.Smtp, IPAddress.Parse("127.0.0.4")))
                Assert.StartsWith("554 5.7.1", await before.ReadReplyAsync());

            var response = await relay.Http.SendAsync(relay.Admin(HttpMethod.Post, "/api/v1/accounts/lab/outbound-servers", new OutboundServerRequest("127.0.0.4/32")));
            Assert.Equal(HttpStatusCode.Created, response.StatusCode);
            var account = await response.Content.ReadFromJsonAsync(RelayJson.Context.AccountResponse);
            Assert.Equal(["127.0.0.2", "127.0.0.4"], account!.OutboundServers);

            await using var after = await RawSmtpClient.ConnectAsync(relay.Smtp, IPAddress.Parse("127.0.0.4"));
            Assert.StartsWith("220 ", await after.ReadReplyAsync());
        }
        await using (var restarted = await TestRelay.StartInAsync(folder.Path))
        {
            await using var client = await RawSmtpClient.ConnectAsync(restarted.Smtp, IPAddress.Parse("127.0.0.4"));
            Assert.StartsWith("220 ", await client.ReadReplyAsync());

            var removed = await restarted.Http.SendAsync(restarted.Admin(HttpMethod.Delete, "/api/v1/accounts/lab/outbound-servers?address=127.0.0.2"));
            Assert.Equal(HttpStatusCode.OK, removed.StatusCode);
            await using var gone = await RawSmtpClient.ConnectAsync(restarted.Smtp, TestRelay.Registered);
            Assert.StartsWith("554 5.7.1", await gone.ReadReplyAsync());
        }
        await using (var again = await TestRelay.StartInAsync(folder.Path))
        {
            var accounts = await again.Http.GetFromJsonAsync("/api/v1/accounts", RelayJson.Context.AccountListResponse);
            Assert.Equal(["127.0.0.4"], Assert.Single(accounts!.Accounts).OutboundServers);
        }
    }
}
