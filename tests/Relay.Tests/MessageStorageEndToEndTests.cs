using System.Net;
using System.Net.Http.Json;
using System.Text;
using SmarthostLab.Relay.Api;
using SmarthostLab.Relay.Tests.Infrastructure;
using SmarthostLab.Tests.Support;

namespace SmarthostLab.Relay.Tests;

public sealed class MessageStorageEndToEndTests
{
    [Fact]
    public async Task Message_is_stored_byte_exact_after_the_prepended_Received_header()
    {
        await using var relay = await TestRelay.StartAsync();
        await using var client = await relay.OpenDataAsync("<alice@contoso.test> BODY=8BITMIME");
        var sent = "Subject: exact bytes\r\nX-Spacing:  two  spaces\t tab \r\nMessage-ID: <exact@contoso.test>\r\n\r\nline one\r\n\r\n.leading dot\r\ncaf\u00e9\r\n";
        await client.SendAsync(Encoding.UTF8.GetBytes(sent.Replace("\r\n.", "\r\n..", StringComparison.Ordinal) + ".\r\n"));
        var reply = await client.ReadReplyAsync();
        Assert.Matches("^250 2.0.0 Ok: queued as [0-9A-Z]{26}$", reply);
        var id = Mail.QueueIdOf(reply);

        var raw = await relay.Http.GetAsync($"/api/v1/messages/{id}/raw");
        Assert.Equal("message/rfc822", raw.Content.Headers.ContentType!.MediaType);
        var bytes = await raw.Content.ReadAsByteArrayAsync();
        var text = Encoding.UTF8.GetString(bytes);
        // Verification may prepend Authentication-Results above the Received header; the Received header comes right before the bytes as sent.
        var received = text.IndexOf("Received: from ", StringComparison.Ordinal);
        Assert.True(received >= 0);
        Assert.StartsWith("Received: from exchange.contoso.test (unknown [127.0.0.2])\r\n\tby relay.test (SmarthostLab) with ESMTP id " + id + "\r\n\tfor <bob@example.com>; ", text[received..]);
        var headerEnd = text.IndexOf("\r\nSubject:", StringComparison.Ordinal) + 2;
        Assert.Equal(Encoding.UTF8.GetBytes(sent), bytes[Encoding.UTF8.GetByteCount(text[..headerEnd])..]);

        var message = await relay.Http.GetFromJsonAsync($"/api/v1/messages/{id}", RelayJson.Context.MessageResponse);
        Assert.Equal(("lab", "127.0.0.2", "exchange.contoso.test"), (message!.Account, message.ClientIp, message.Helo));
        Assert.Equal(("alice@contoso.test", "BODY=8BITMIME"), (message.MailFrom, message.MailFromParameters));
        Assert.Equal(["bob@example.com"], message.Recipients);
        Assert.Equal(("exact bytes", "<exact@contoso.test>"), (message.Subject, message.MessageId));
        Assert.Equal(bytes.Length, message.Size);
        Assert.Null(message.Tls);

        var transcript = await relay.Http.GetStringAsync($"/api/v1/messages/{id}/transcript");
        Assert.Contains("C: MAIL FROM:<alice@contoso.test> BODY=8BITMIME", transcript);
    }

    [Fact]
    public async Task A_null_sender_bounce_is_stored_with_an_empty_MAIL_FROM_and_no_parameters()
    {
        await using var relay = await TestRelay.StartAsync();
        await using var client = await relay.OpenDataAsync("<>");
        await client.SendAsync("Subject: Undeliverable\r\n\r\nbounce\r\n.\r\n"u8.ToArray());
        var id = Mail.QueueIdOf(await client.ReadReplyAsync());

        var message = await relay.Http.GetFromJsonAsync($"/api/v1/messages/{id}", RelayJson.Context.MessageResponse);
        Assert.Equal(("", ""), (message!.MailFrom, message.MailFromParameters));
        Assert.Equal("Undeliverable", message.Subject);
    }

    [Fact]
    public async Task DSN_RET_and_ENVID_are_stored_with_the_MAIL_FROM_parameters()
    {
        await using var relay = await TestRelay.StartAsync();
        await using var client = await relay.OpenDataAsync("<alice@contoso.test> RET=HDRS ENVID=QQ314159");
        await client.SendAsync("Subject: dsn\r\n\r\nbody\r\n.\r\n"u8.ToArray());
        var id = Mail.QueueIdOf(await client.ReadReplyAsync());

        var message = await relay.Http.GetFromJsonAsync($"/api/v1/messages/{id}", RelayJson.Context.MessageResponse);
        Assert.Equal(("alice@contoso.test", "RET=HDRS ENVID=QQ314159"), (message!.MailFrom, message.MailFromParameters));
    }

    [Fact]
    public async Task Each_message_of_a_session_stores_the_opening_and_its_own_transaction_only()
    {
        await using var relay = await TestRelay.StartAsync();
        await using var client = await RawSmtpClient.ConnectAsync(relay.Smtp, TestRelay.Registered);
        await client.ReadReplyAsync();
        await client.CommandAsync("EHLO exchange.contoso.test");
        string? id = null;
        for (var n = 1; n <= 3; n++)
        {
            await client.CommandAsync($"MAIL FROM:<sender{n}@contoso.test>");
            await client.CommandAsync("RCPT TO:<bob@example.com>");
            Assert.StartsWith("354", await client.CommandAsync("DATA"));
            await client.SendAsync(Encoding.UTF8.GetBytes($"Subject: message {n}\r\n\r\nbody {n}\r\n.\r\n"));
            id = Mail.QueueIdOf(await client.ReadReplyAsync());
            if (n == 2) Assert.StartsWith("250", await client.CommandAsync("RSET"));
        }

        var transcript = await relay.Http.GetStringAsync($"/api/v1/messages/{id}/transcript");
        Assert.StartsWith("S: 220 ", transcript);
        Assert.Contains("C: EHLO exchange.contoso.test\r\n", transcript);
        Assert.Contains("S: 250-PIPELINING\r\n", transcript);
        Assert.Contains("C: MAIL FROM:<sender3@contoso.test>\r\n", transcript);
        Assert.EndsWith("octets of message data>\r\n", transcript);
        Assert.DoesNotContain("sender1@", transcript);
        Assert.DoesNotContain("sender2@", transcript);
        Assert.DoesNotContain("RSET", transcript);
        Assert.Single(transcript.Split("C: RCPT TO:", StringSplitOptions.None)[1..]);
    }

    [Fact]
    public async Task Mailkit_over_starttls_gets_the_id_and_the_message_records_tls()
    {
        await using var relay = await TestRelay.StartAsync();
        var reply = await Mail.SendAsync(relay.Smtp, TestRelay.Registered, Mail.Message("over tls"), startTls: true);
        var id = Mail.QueueIdOf(reply);

        var message = await relay.Http.GetFromJsonAsync($"/api/v1/messages/{id}", RelayJson.Context.MessageResponse);
        Assert.Equal("over tls", message!.Subject);
        Assert.NotNull(message.Tls);
        var raw = await relay.Http.GetStringAsync($"/api/v1/messages/{id}/raw");
        Assert.Contains("with ESMTPS id " + id, raw);
        Assert.Contains("(using TLSv1.", raw);
        Assert.Equal(HttpStatusCode.NotFound, (await relay.Http.GetAsync("/api/v1/messages/NOPE")).StatusCode);
    }

    [Fact]
    public async Task Token_search_and_wait_see_messages_stored_before_and_after_the_call()
    {
        await using var relay = await TestRelay.StartAsync();
        await Mail.SendAsync(relay.Smtp, TestRelay.Registered, Mail.Message("before tok-AAA-1"));

        var found = await relay.MessagesAsync("?token=tok-AAA-1");
        Assert.Equal("before tok-AAA-1", Assert.Single(found.Messages).Subject);
        Assert.Empty((await relay.MessagesAsync("?token=tok-ZZZ")).Messages);

        var before = await relay.Http.GetFromJsonAsync("/api/v1/wait?token=tok-AAA-1&timeout=5", RelayJson.Context.MessageResponse);
        Assert.Equal("before tok-AAA-1", before!.Subject);

        var waiting = relay.Http.GetAsync("/api/v1/wait?token=tok-BBB-2&timeout=30");
        await Task.Delay(300);
        Assert.False(waiting.IsCompleted);
        var message = Mail.Message("no token in subject");
        message.Headers.Add("X-Probe-Token", "tok-BBB-2");
        await Mail.SendAsync(relay.Smtp, TestRelay.Registered, message);
        var after = await (await waiting).Content.ReadFromJsonAsync(RelayJson.Context.MessageResponse);
        Assert.Equal("no token in subject", after!.Subject);

        var timedOut = await relay.Http.GetAsync("/api/v1/wait?token=never&timeout=0.5");
        Assert.Equal(HttpStatusCode.NotFound, timedOut.StatusCode);
        Assert.Contains("no message matching", await timedOut.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Stored_messages_survive_a_restart()
    {
        using var folder = new TempFolder();
        string id;
        await using (var relay = await TestRelay.StartInAsync(folder.Path))
            id = Mail.QueueIdOf(await Mail.SendAsync(relay.Smtp, TestRelay.Registered, Mail.Message("durable")));
        await using (var restarted = await TestRelay.StartInAsync(folder.Path))
        {
            var message = await restarted.Http.GetFromJsonAsync($"/api/v1/messages/{id}", RelayJson.Context.MessageResponse);
            Assert.Equal("durable", message!.Subject);
            Assert.Contains("durable", await restarted.Http.GetStringAsync($"/api/v1/messages/{id}/raw"));
        }
    }

    [Fact]
    public async Task Concurrent_sessions_all_get_250_and_all_messages_are_stored()
    {
        await using var relay = await TestRelay.StartAsync("--Smtp:MaxConnectionsPerIp=64");
        const int clients = 32, perClient = 3;
        var ids = new System.Collections.Concurrent.ConcurrentBag<string>();
        await Task.WhenAll(Enumerable.Range(0, clients).Select(async c =>
        {
            using var client = await Mail.ConnectAsync(relay.Smtp, TestRelay.Registered);
            for (var m = 0; m < perClient; m++)
            {
                var reply = await client.SendAsync(Mail.Message($"concurrent {c}-{m}"));
                Assert.Contains("Ok: queued as", reply);
                ids.Add(Mail.QueueIdOf(reply));
            }
            await client.DisconnectAsync(true);
        }));

        Assert.Equal(clients * perClient, ids.Distinct().Count());
        Assert.Equal(clients * perClient, (await relay.MessagesAsync("?subject=concurrent&limit=1")).Total);
    }

    [Fact]
    public async Task Delete_needs_the_admin_token_and_removes_the_message()
    {
        await using var relay = await TestRelay.StartAsync();
        var id = Mail.QueueIdOf(await Mail.SendAsync(relay.Smtp, TestRelay.Registered, Mail.Message("to delete")));

        Assert.Equal(HttpStatusCode.Unauthorized, (await relay.Http.DeleteAsync($"/api/v1/messages/{id}")).StatusCode);
        var wrong = new HttpRequestMessage(HttpMethod.Delete, $"/api/v1/messages/{id}");
        wrong.Headers.Authorization = new("Bearer", "wrong-token-xxxx");
        Assert.Equal(HttpStatusCode.Forbidden, (await relay.Http.SendAsync(wrong)).StatusCode);
        Assert.Equal(HttpStatusCode.NoContent, (await relay.Http.SendAsync(relay.Admin(HttpMethod.Delete, $"/api/v1/messages/{id}"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await relay.Http.GetAsync($"/api/v1/messages/{id}")).StatusCode);
    }
}
