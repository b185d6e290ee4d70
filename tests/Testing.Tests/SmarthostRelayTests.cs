using System.Net;
using System.Net.Sockets;
using System.Text;
using MailKit.Net.Smtp;
using SmarthostLab.Relay.Configuration;
using SmarthostLab.Relay.Hosting;
using SmarthostLab.Tests.Support;

namespace SmarthostLab.Testing.Tests;

public sealed class SmarthostRelayTests
{
    [Fact]
    public async Task A_started_relay_verifies_a_message_from_a_registered_server()
    {
        await using var relay = await SmarthostRelay.StartAsync(LabMail.Contoso);
        var token = LabMail.NewToken();

        var reply = await LabMail.SendAsync(relay, $"Quarterly report {token}");

        var message = await relay.WaitForMessageAsync(token, TimeSpan.FromSeconds(30));
        Assert.StartsWith("2.0.0 Ok: queued as ", reply);
        Assert.EndsWith(message.Id, reply.Trim());
        Assert.Equal(("contoso", "127.0.0.2", "alice@contoso.test"), (message.Account, message.ClientIp, message.MailFrom));
        message.ShouldPassSpf().ShouldHaveClientSpf("pass").ShouldPassDkim().ShouldBeDkimSignedBy("contoso.test", "s1")
            .ShouldPassDmarc().ShouldHaveAction("accept").ShouldHaveSpf("pass").ShouldHaveDmarc("pass");
        var verdict = message.ReadVerdict()!;
        Assert.Equal(("contoso.test", true, true), (verdict.Dmarc.FromDomain, verdict.Dmarc.SpfAligned, verdict.Dmarc.DkimAligned));
    }

    [Fact]
    public async Task Failed_assertions_say_what_was_expected_and_what_the_relay_found()
    {
        await using var relay = await SmarthostRelay.StartAsync(LabMail.Contoso);
        var token = LabMail.NewToken();
        await LabMail.SendAsync(relay, $"Spoofed {token}", from: "mallory@fabrikam.test");

        var message = await relay.WaitForMessageAsync(token);

        message.ShouldHaveSpf("fail").ShouldHaveDmarc("fail").ShouldHaveAction("tag").ShouldHaveDkim("none");
        var dmarc = Assert.Throws<SmarthostAssertionException>(() => message.ShouldPassDmarc());
        Assert.StartsWith(
            $"Expected DMARC pass for message {message.Id} (Subject 'Spoofed {token}', MAIL FROM <mallory@fabrikam.test>, client 127.0.0.2), " +
            "but found DMARC fail: From domain fabrikam.test, policy none, SPF aligned: no, DKIM aligned: no (reason: ",
            dmarc.Message);
        Assert.EndsWith("; record: v=DMARC1; p=none).", dmarc.Message);
        var spf = Assert.Throws<SmarthostAssertionException>(() => message.ShouldPassSpf());
        Assert.Contains("but found SPF fail: fabrikam.test for 127.0.0.2 (", spf.Message);
        Assert.Contains("record: v=spf1 -all", spf.Message);
        var dkim = Assert.Throws<SmarthostAssertionException>(() => message.ShouldBeDkimSignedBy("fabrikam.test"));
        Assert.EndsWith("but found no DKIM signature.", dkim.Message);
        var word = Assert.Throws<ArgumentException>(() => message.ShouldHaveSpf("passed"));
        Assert.StartsWith("'passed' is not one of none, neutral, pass, fail, softfail, temperror, permerror", word.Message);
    }

    [Fact]
    public async Task A_signature_by_another_domain_does_not_satisfy_ShouldBeDkimSignedBy()
    {
        await using var relay = await SmarthostRelay.StartAsync(LabMail.Contoso);
        var token = LabMail.NewToken();
        await LabMail.SendAsync(relay, token);
        var message = await relay.WaitForMessageAsync(token);

        var failure = Assert.Throws<SmarthostAssertionException>(() => message.ShouldBeDkimSignedBy("fabrikam.test"));

        Assert.Contains("Expected a passing DKIM signature by d=fabrikam.test", failure.Message);
        Assert.EndsWith("but found DKIM pass d=contoso.test s=s1 rsa-sha256.", failure.Message);
        Assert.Throws<SmarthostAssertionException>(() => message.ShouldBeDkimSignedBy("contoso.test", selector: "s2"));
    }

    [Fact]
    public async Task An_unregistered_server_is_refused_and_its_refusal_is_listed()
    {
        await using var relay = await SmarthostRelay.StartAsync(LabMail.Contoso);

        var refused = await Assert.ThrowsAsync<SmtpCommandException>(() => LabMail.SendAsync(relay, "from nowhere", local: LabMail.Unregistered));

        Assert.Equal(554, (int)refused.StatusCode);
        var refusal = await relay.WaitForRefusalAsync("127.0.0.3", TimeSpan.FromSeconds(30));
        Assert.Equal(("127.0.0.3", "connect", "unregistered-ip"), (refusal.ClientIp, refusal.Stage, refusal.Reason));
        Assert.Equal("554 5.7.1 127.0.0.3 is not a registered outbound server of any account", refusal.Reply);
        var listed = await relay.GetRefusalsAsync(ip: "127.0.0.3");
        Assert.Equal(1, listed.Total);
        Assert.Empty((await relay.GetRefusalsAsync(ip: "127.0.0.2")).Refusals);
    }

    [Fact]
    public async Task A_wait_that_finds_nothing_throws_a_TimeoutException_naming_the_token_and_the_latest_refusals()
    {
        await using var relay = await SmarthostRelay.StartAsync(LabMail.Contoso);
        await Assert.ThrowsAsync<SmtpCommandException>(() => LabMail.SendAsync(relay, "never arrives", local: LabMail.Unregistered));
        await relay.WaitForRefusalAsync("127.0.0.3");

        var timeout = await Assert.ThrowsAsync<TimeoutException>(() => relay.WaitForMessageAsync("shl-never-sent-token", TimeSpan.FromSeconds(1)));

        Assert.Contains($"SmarthostLab relay at {relay.ApiBaseAddress}: waited 1 s for a message matching 'shl-never-sent-token': no message matching 'shl-never-sent-token' within 1 s.", timeout.Message);
        Assert.Contains("The relay's latest refusals: ", timeout.Message);
        Assert.Contains(" 127.0.0.3 at connect: 554 5.7.1 127.0.0.3 is not a registered outbound server of any account (unregistered-ip).", timeout.Message);
    }

    [Fact]
    public async Task A_refusal_wait_that_finds_nothing_throws_a_TimeoutException()
    {
        await using var relay = await SmarthostRelay.StartAsync(LabMail.Contoso);

        var timeout = await Assert.ThrowsAsync<TimeoutException>(() => relay.WaitForRefusalAsync("127.0.0.9", TimeSpan.FromMilliseconds(300)));

        Assert.EndsWith("no refusal of 127.0.0.9 recorded within 0.3 s", timeout.Message);
    }

    [Fact]
    public async Task Account_policies_built_in_code_apply()
    {
        await using var relay = await SmarthostRelay.StartAsync(o => o
            .Account("contoso", ["127.0.0.2"], ["contoso.test"], mailFromPolicy: MailFromPolicy.Reject, dmarcFailurePolicy: DmarcFailurePolicy.Quarantine)
            .Zone(LabMail.Zone));

        var refused = await Assert.ThrowsAsync<SmtpCommandException>(() => LabMail.SendAsync(relay, "other domain", from: "bob@fabrikam.test"));

        Assert.Equal(550, (int)refused.StatusCode);
        Assert.Equal("5.7.1 fabrikam.test is not a domain of account contoso", refused.Message);
        await relay.WaitForRefusalAsync("127.0.0.2");
        // MailKit pipelines RCPT behind MAIL, so a refusal of the RCPT (no sender) follows the one of the MAIL.
        var refusals = (await relay.GetRefusalsAsync(ip: "127.0.0.2")).Refusals;
        Assert.Contains(refusals, r => (r.Stage, r.Reason, r.Account, r.MailFrom) == ("mail", "sender-domain", "contoso", "bob@fabrikam.test"));
    }

    [Fact]
    public async Task Listing_filters_raw_bytes_and_deletion_go_through_the_api()
    {
        await using var relay = await SmarthostRelay.StartAsync(LabMail.Contoso);
        var token = LabMail.NewToken();
        await LabMail.SendAsync(relay, $"good {token}");
        await LabMail.SendAsync(relay, $"spoofed {token}", from: "mallory@fabrikam.test");
        var good = await relay.WaitForMessageAsync("good " + token);
        await relay.WaitForMessageAsync("spoofed " + token);

        var passing = await relay.ListMessagesAsync(new MessageFilter { Token = token, Dmarc = "pass" });
        var all = await relay.ListMessagesAsync(new MessageFilter { Token = token });
        var raw = await relay.GetRawMessageAsync(good.Id);
        var bad = await Assert.ThrowsAsync<HttpRequestException>(() => relay.ListMessagesAsync(new MessageFilter { Spf = "passed" }));

        Assert.Equal(good.Id, Assert.Single(passing.Messages).Id);
        Assert.Equal(2, all.Total);
        Assert.Equal(good.Id, (await relay.GetMessageAsync(good.Id))!.Id);
        Assert.Null(await relay.GetMessageAsync("01AAAAAAAAAAAAAAAAAAAAAAAA"));
        Assert.Null(await relay.GetRawMessageAsync("01AAAAAAAAAAAAAAAAAAAAAAAA"));
        Assert.StartsWith("Authentication-Results: ", Encoding.ASCII.GetString(raw!));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("/api/v1/messages?spf=passed answered 400 Bad Request: spf: 'passed' must be one of pass, fail, softfail, neutral, none, temperror, permerror", bad.Message);

        await relay.DeleteMessagesAsync();

        Assert.Equal(0, (await relay.ListMessagesAsync()).Total);
    }

    [Fact]
    public async Task Attaching_by_url_reads_the_smtp_endpoint_and_leaves_the_relay_running()
    {
        await using var running = await SmarthostRelay.StartAsync(LabMail.Contoso);
        var token = LabMail.NewToken();

        await using (var attached = await SmarthostRelay.AttachAsync(running.ApiBaseAddress))
        {
            Assert.Equal(running.SmtpEndPoint, attached.SmtpEndPoint);
            Assert.Null(attached.DataFolder);
            await LabMail.SendAsync(attached, token);
            (await attached.WaitForMessageAsync(token)).ShouldPassDmarc();
            var admin = await Assert.ThrowsAsync<HttpRequestException>(() => attached.DeleteMessagesAsync());
            Assert.Equal(HttpStatusCode.Unauthorized, admin.StatusCode);
        }

        Assert.NotNull((await running.ListMessagesAsync(new MessageFilter { Token = token })).Messages.SingleOrDefault());
    }

    [Fact]
    public async Task Waiting_for_delivery_returns_once_the_next_hop_took_the_message()
    {
        await using var nextHop = ScriptedSmtpServer.Start(new ScriptedSmtpServerOptions());
        await using var relay = await SmarthostRelay.StartAsync(o =>
        {
            LabMail.Contoso(o);
            o.Delivery(DeliveryMode.NextHop, $"127.0.0.1:{nextHop.EndPoint.Port}");
        });
        var token = LabMail.NewToken();
        await LabMail.SendAsync(relay, token);

        var message = await relay.WaitForMessageAsync(token, TimeSpan.FromSeconds(60), delivery: "delivered");

        var delivery = Assert.Single(message.Delivery);
        Assert.Equal(("bob@example.com", "delivered"), (delivery.Recipient, delivery.State));
        Assert.StartsWith("250 2.0.0 Ok: queued as", delivery.LastReply);
    }

    [Fact]
    public async Task Disposing_stops_the_relay_and_deletes_its_folder()
    {
        var relay = await SmarthostRelay.StartAsync(LabMail.Contoso);
        var folder = Path.GetDirectoryName(relay.DataFolder)!;
        var smtp = relay.SmtpEndPoint;
        Assert.True(File.Exists(Path.Combine(relay.DataFolder!, "relay.db")));
        Assert.True(File.Exists(Path.Combine(folder, "zone-1.zone")));

        await relay.DisposeAsync();

        Assert.False(Directory.Exists(folder));
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        var refused = await Assert.ThrowsAsync<SocketException>(() => socket.ConnectAsync(smtp));
        Assert.Equal(SocketError.ConnectionRefused, refused.SocketErrorCode);
    }

    [Fact]
    public async Task A_misspelt_setting_stops_the_start_naming_the_key()
    {
        var problem = await Assert.ThrowsAsync<RelayConfigurationException>(() => SmarthostRelay.StartAsync(o => o.Set("Smtp:MaxRecipent", "5")));

        Assert.Equal("Smtp:MaxRecipent: unknown key; did you mean Smtp:MaxRecipients?", problem.Message);
    }

    [Fact]
    public async Task A_dkim_key_of_an_account_never_added_is_refused()
    {
        var problem = await Assert.ThrowsAsync<InvalidOperationException>(() => SmarthostRelay.StartAsync(o => o.DkimKey("nobody", "contoso.test")));

        Assert.Equal("DkimKey: account 'nobody' was not added with Account(...)", problem.Message);
    }
}
