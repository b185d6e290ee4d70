using System.Text;
using MimeKit;
using MimeKit.Utils;
using SmarthostLab.Tests.Support;

namespace SmarthostLab.Relay.Tests.Delivery;

/// <summary>
/// Delivery status notifications (RFC 3461, 3464) the relay writes after onward delivery: when one is due, what it
/// says, and that it travels like any other mail. A DSN is stored in the same commit as the outcome it reports, so
/// once the wait route sees the outcome, the DSN (or its absence) can be checked at once.
/// </summary>
public sealed class DeliveryDsnTests
{
    private const string UserUnknown = "550 5.1.1 <gone@example.com>: Recipient address rejected: User unknown";

    /// <summary>A next hop that refuses gone@example.com and accepts everyone else.</summary>
    private static ScriptedSmtpServer RefusingGone(IReadOnlyList<string>? capabilities = null) => ScriptedSmtpServer.Start(new ScriptedSmtpServerOptions
    {
        Capabilities = capabilities ?? ScriptedSmtpServerOptions.DefaultCapabilities,
        Reply = c => c.Verb == "RCPT" && c.Address == "gone@example.com" ? UserUnknown : null,
    });

    [Fact]
    public async Task A_recipient_refused_by_the_next_hop_bounces_the_other_is_delivered_and_the_sender_gets_a_DSN()
    {
        await using var server = RefusingGone();
        await using var relay = await DeliveryLab.StartNextHopAsync(server);

        var id = await relay.SendAsync(DeliveryLab.Message("tok-bounce"), recipients: ["<bob@example.com>", "<gone@example.com>"]);
        var message = await relay.WaitForAsync("tok-bounce", "delivered");

        Assert.Equal(("delivered", 1), (message.Of("bob@example.com").State, message.Of("bob@example.com").Attempts));
        var gone = message.Of("gone@example.com");
        Assert.Equal(("bounced", 1, UserUnknown), (gone.State, gone.Attempts, gone.LastReply));
        var original = await relay.RawAsync(id);
        var sent = Assert.Single(server.Transactions, t => t.MailFrom == "alice@contoso.test");
        Assert.Equal(["bob@example.com"], sent.AcceptedRecipients);
        Assert.Equal(original, sent.Content);

        var dsn = await relay.DsnOfAsync(id);
        Assert.Equal("Undelivered Mail Returned to Sender", dsn.Subject);
        var dsnRaw = await relay.RawAsync(dsn.Id);
        var report = DeliveryLab.ParseDsn(dsnRaw);
        Assert.Equal(dsn.MessageId, report.Message.Headers[HeaderId.MessageId]);
        Assert.Equal("<alice@contoso.test>", report.Message.Headers[HeaderId.To]);
        Assert.Equal("dns; relay.test", report.PerMessage["Reporting-MTA"]);
        Assert.True(DateUtils.TryParse(report.PerMessage["Arrival-Date"], out _));
        Assert.Null(report.PerMessage["Original-Envelope-Id"]);
        var fields = report.Recipient;
        Assert.Equal("rfc822; gone@example.com", fields["Final-Recipient"]);
        Assert.Equal("failed", fields["Action"]);
        Assert.Equal("5.1.1", fields["Status"]);
        Assert.Equal("dns; 127.0.0.1", fields["Remote-MTA"]);
        Assert.Equal("smtp; " + UserUnknown, Unfolded(fields["Diagnostic-Code"]!));
        Assert.True(DateUtils.TryParse(fields["Last-Attempt-Date"], out _));
        Assert.Contains("<gone@example.com>", report.Text);
        Assert.DoesNotContain("bob@example.com", report.Text);
        Assert.Equal(HeaderBlock(original), report.ReturnedHeaders);

        // The relay is in NextHop mode, so the DSN goes there too, from the null sender, byte for byte as stored.
        var relayed = await server.WaitForMessageAsync(t => t.MailFrom == "");
        Assert.StartsWith("MAIL FROM:<>", relayed.Mail.Line);
        Assert.Equal(["alice@contoso.test"], relayed.AcceptedRecipients);
        Assert.Equal(dsnRaw, relayed.Content);
        var dsnDelivered = await relay.WaitForAsync(id, "delivered"); // newest message naming the original: the DSN
        Assert.Equal((dsn.Id, "delivered"), (dsnDelivered.Id, dsnDelivered.Only().State));
    }

    [Fact]
    public async Task With_RET_FULL_the_DSN_returns_the_whole_message_the_envelope_id_and_the_original_recipient()
    {
        await using var server = RefusingGone();
        await using var relay = await DeliveryLab.StartNextHopAsync(server);

        var id = await relay.SendAsync(DeliveryLab.Message("tok-full"), "<alice@contoso.test> RET=FULL ENVID=abc",
            ["<gone@example.com> ORCPT=rfc822;gone@example.com"]);
        Assert.Equal("bounced", (await relay.WaitForAsync("tok-full", "bounced")).Only().State);

        var original = await relay.RawAsync(id);
        var dsnRaw = await relay.RawAsync((await relay.DsnOfAsync(id)).Id);
        var report = DeliveryLab.ParseDsn(dsnRaw);
        Assert.Equal("abc", report.PerMessage["Original-Envelope-Id"]);
        Assert.Equal("rfc822;gone@example.com", report.Recipient["Original-Recipient"]);
        Assert.Equal("rfc822; gone@example.com", report.Recipient["Final-Recipient"]);
        var returned = Assert.IsType<MessagePart>(report.Returned);
        Assert.Equal("tok-full", returned.Message?.Subject);
        Assert.True(dsnRaw.AsSpan().IndexOf(original) >= 0, "the original's stored bytes, verbatim, in the DSN");
    }

    [Fact]
    public async Task A_bounced_message_from_the_null_sender_gets_no_DSN()
    {
        await using var server = RefusingGone();
        await using var relay = await DeliveryLab.StartNextHopAsync(server);

        var id = await relay.SendAsync(DeliveryLab.Message("tok-nullsender"), "<>", ["<gone@example.com>"]);

        Assert.Equal("bounced", (await relay.WaitForAsync("tok-nullsender", "bounced")).Only().State);
        Assert.Empty(await relay.DsnsOfAsync(id));
        Assert.Single((await relay.MessagesAsync()).Messages);
    }

    [Fact]
    public async Task A_bounced_recipient_with_NOTIFY_NEVER_gets_no_DSN()
    {
        await using var server = RefusingGone();
        await using var relay = await DeliveryLab.StartNextHopAsync(server);

        var id = await relay.SendAsync(DeliveryLab.Message("tok-never"), recipients: ["<gone@example.com> NOTIFY=NEVER"]);

        Assert.Equal("bounced", (await relay.WaitForAsync("tok-never", "bounced")).Only().State);
        Assert.Empty(await relay.DsnsOfAsync(id));
    }

    [Fact]
    public async Task DSN_parameters_go_on_to_a_next_hop_that_offers_DSN_which_then_owes_the_notifications()
    {
        await using var server = ScriptedSmtpServer.Start();
        await using var relay = await DeliveryLab.StartNextHopAsync(server);

        var id = await relay.SendAsync(DeliveryLab.Message("tok-dsnpass"), "<alice@contoso.test> RET=HDRS ENVID=env-42",
            ["<bob@example.com> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;x@example.com"]);
        Assert.Equal("delivered", (await relay.WaitForAsync("tok-dsnpass", "delivered")).Only().State);

        var transaction = Assert.Single(server.Transactions);
        Assert.Contains("RET=HDRS", transaction.Mail.Parameters);
        Assert.Contains("ENVID=env-42", transaction.Mail.Parameters);
        var rcpt = Assert.Single(transaction.Recipients);
        Assert.Contains("NOTIFY=SUCCESS,FAILURE", rcpt.Parameters);
        Assert.Contains("ORCPT=rfc822;x@example.com", rcpt.Parameters);
        Assert.Empty(await relay.DsnsOfAsync(id));
    }

    [Fact]
    public async Task NOTIFY_SUCCESS_to_a_next_hop_without_DSN_gets_a_relayed_DSN()
    {
        await using var server = ScriptedSmtpServer.Start(new ScriptedSmtpServerOptions { Capabilities = DeliveryLab.CapabilitiesWithout("DSN") });
        await using var relay = await DeliveryLab.StartNextHopAsync(server);

        var id = await relay.SendAsync(DeliveryLab.Message("tok-relayed"), "<alice@contoso.test> ENVID=env-7", ["<bob@example.com> NOTIFY=SUCCESS"]);
        Assert.Equal("delivered", (await relay.WaitForAsync("tok-relayed", "delivered")).Only().State);

        var transaction = Assert.Single(server.Transactions, t => t.MailFrom == "alice@contoso.test");
        Assert.DoesNotContain(transaction.Mail.Parameters, p => p.StartsWith("ENVID=", StringComparison.Ordinal));
        Assert.Empty(Assert.Single(transaction.Recipients).Parameters);
        var dsn = await relay.DsnOfAsync(id);
        Assert.Equal("Successful Mail Delivery Report", dsn.Subject);
        var report = DeliveryLab.ParseDsn(await relay.RawAsync(dsn.Id));
        Assert.Equal("env-7", report.PerMessage["Original-Envelope-Id"]);
        Assert.Equal("relayed", report.Recipient["Action"]);
        Assert.Equal("rfc822; bob@example.com", report.Recipient["Final-Recipient"]);
        Assert.StartsWith("2.", report.Recipient["Status"]);
    }

    [Fact]
    public async Task An_8bit_message_to_a_next_hop_without_8BITMIME_bounces_unsent_with_5_6_3()
    {
        await using var server = ScriptedSmtpServer.Start(new ScriptedSmtpServerOptions { Capabilities = DeliveryLab.CapabilitiesWithout("8BITMIME") });
        await using var relay = await DeliveryLab.StartNextHopAsync(server);

        var id = await relay.SendAsync(DeliveryLab.Message("tok-8bit", "caf\u00e9 cr\u00e8me br\u00fbl\u00e9e\r\n"), "<alice@contoso.test> BODY=8BITMIME");
        var bounced = (await relay.WaitForAsync("tok-8bit", "bounced")).Only();

        Assert.Equal(("bounced", 1), (bounced.State, bounced.Attempts));
        Assert.Contains("8BITMIME", bounced.LastReply);
        Assert.DoesNotContain(server.Transactions, t => t.MailFrom == "alice@contoso.test");
        var report = DeliveryLab.ParseDsn(await relay.RawAsync((await relay.DsnOfAsync(id)).Id));
        Assert.Equal(("failed", "5.6.3"), (report.Recipient["Action"], report.Recipient["Status"]));
        Assert.Contains("8BITMIME", Unfolded(report.Text));
        Assert.Equal(HeaderBlock(await relay.RawAsync(id)), report.ReturnedHeaders);
    }

    [Fact]
    public async Task An_8bit_message_goes_with_BODY_8BITMIME_to_a_next_hop_that_offers_it()
    {
        await using var server = ScriptedSmtpServer.Start();
        await using var relay = await DeliveryLab.StartNextHopAsync(server);

        var id = await relay.SendAsync(DeliveryLab.Message("tok-8ok", "caf\u00e9\r\n"), "<alice@contoso.test> BODY=8BITMIME");
        Assert.Equal("delivered", (await relay.WaitForAsync("tok-8ok", "delivered")).Only().State);

        var transaction = Assert.Single(server.Transactions);
        Assert.Contains("BODY=8BITMIME", transaction.Mail.Parameters);
        Assert.Equal(await relay.RawAsync(id), transaction.Content);
    }

    [Fact]
    public async Task A_domain_with_a_null_MX_bounces_at_once_with_5_1_10_and_a_DSN()
    {
        await using var server = ScriptedSmtpServer.Start();
        using var folder = new TempFolder();
        await using var relay = await DeliveryLab.StartMxAsync(server, folder);

        var id = await relay.SendAsync(DeliveryLab.Message("tok-nullmx"), recipients: ["<x@nullmx.test>"]);
        var bounced = (await relay.WaitForAsync("tok-nullmx", "bounced")).Only();

        Assert.Equal(("bounced", 1, "mx:nullmx.test"), (bounced.State, bounced.Attempts, bounced.Destination));
        Assert.Empty(server.Connections);
        var report = DeliveryLab.ParseDsn(await relay.RawAsync((await relay.DsnOfAsync(id)).Id));
        Assert.Equal(("failed", "5.1.10", "rfc822; x@nullmx.test"), (report.Recipient["Action"], report.Recipient["Status"], report.Recipient["Final-Recipient"]));
        Assert.Equal(HeaderBlock(await relay.RawAsync(id)), report.ReturnedHeaders);
    }

    [Fact]
    public async Task A_recipient_still_deferred_at_the_end_of_the_queue_lifetime_expires_with_a_4_4_7_DSN()
    {
        await using var server = ScriptedSmtpServer.Start(new ScriptedSmtpServerOptions { MessageReply = _ => "451 4.3.0 try again later" });
        await using var relay = await DeliveryLab.StartNextHopAsync(server, "--Delivery:MaxQueueLifetime=00:00:03");

        var id = await relay.SendAsync(DeliveryLab.Message("tok-expire"));
        var expired = (await relay.WaitForAsync("tok-expire", "expired")).Only();

        Assert.Equal("expired", expired.State);
        Assert.True(expired.Attempts >= 2, $"attempts {expired.Attempts}");
        Assert.Null(expired.NextAttemptAt);
        var report = DeliveryLab.ParseDsn(await relay.RawAsync((await relay.DsnOfAsync(id)).Id));
        Assert.Equal(("failed", "4.4.7"), (report.Recipient["Action"], report.Recipient["Status"]));
        Assert.Equal("smtp; 451 4.3.0 try again later", report.Recipient["Diagnostic-Code"]);
        Assert.Equal(HeaderBlock(await relay.RawAsync(id)), report.ReturnedHeaders);
    }

    [Fact]
    public async Task A_next_hop_that_stays_down_past_the_queue_lifetime_expires_the_recipient_with_a_4_4_7_DSN()
    {
        var port = DeliveryLab.FreePort();
        await using var relay = await DeliveryLab.StartAsync("--Delivery:Mode=NextHop", $"--Delivery:NextHop=127.0.0.1:{port}",
            "--Delivery:RetrySchedule=1s", "--Delivery:MaxQueueLifetime=00:00:03");

        var id = await relay.SendAsync(DeliveryLab.Message("tok-down"));
        var expired = (await relay.WaitForAsync("tok-down", "expired")).Only();

        Assert.Equal(("expired", null), (expired.State, expired.RemoteAddress));
        Assert.Contains("could be reached", expired.LastReply);
        var report = DeliveryLab.ParseDsn(await relay.RawAsync((await relay.DsnOfAsync(id)).Id));
        Assert.Equal(("failed", "4.4.7"), (report.Recipient["Action"], report.Recipient["Status"]));
        Assert.Null(report.Recipient["Diagnostic-Code"]);
        Assert.Contains("could be reached", Unfolded(report.Text));
        Assert.Equal(HeaderBlock(await relay.RawAsync(id)), report.ReturnedHeaders);
    }

    [Fact]
    public async Task A_message_larger_than_the_next_hops_SIZE_bounces_unsent_with_5_3_4_and_a_DSN()
    {
        await using var server = ScriptedSmtpServer.Start(new ScriptedSmtpServerOptions
        {
            Capabilities = [.. DeliveryLab.CapabilitiesWithout("SIZE"), "SIZE 2000"],
        });
        await using var relay = await DeliveryLab.StartNextHopAsync(server);

        var id = await relay.SendAsync(DeliveryLab.Message("tok-large", new string('x', 70) + "\r\n" + string.Concat(Enumerable.Repeat(new string('y', 70) + "\r\n", 40))));
        var bounced = (await relay.WaitForAsync("tok-large", "bounced")).Only();

        Assert.Contains("larger than the next hop", bounced.LastReply);
        Assert.DoesNotContain(server.Transactions, t => t.MailFrom == "alice@contoso.test");
        var report = DeliveryLab.ParseDsn(await relay.RawAsync((await relay.DsnOfAsync(id)).Id));
        Assert.Equal(("failed", "5.3.4"), (report.Recipient["Action"], report.Recipient["Status"]));
        Assert.Equal(HeaderBlock(await relay.RawAsync(id)), report.ReturnedHeaders);
    }

    /// <summary>A folded field or wrapped text as one line: each line break and the indent after it become one space.</summary>
    private static string Unfolded(string text) => string.Join(' ', text.Split(["\r\n", "\n"], StringSplitOptions.None).Select(l => l.Trim())).Trim();

    /// <summary>The header block of <paramref name="message"/>, through the empty line that ends it.</summary>
    private static string HeaderBlock(byte[] message)
    {
        var text = Encoding.UTF8.GetString(message);
        return text[..(text.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 4)];
    }
}
