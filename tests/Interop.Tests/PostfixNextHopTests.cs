using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using SmarthostLab.Tests.Support;
using Xunit.Abstractions;

namespace SmarthostLab.Interop.Tests;

/// <summary>
/// Real MTAs as the relay's next hop (issue 13, <c>Delivery:Mode=NextHop</c>): Postfix's smtp-sink (DATA, since it
/// offers no CHUNKING) and a private Postfix instance delivering into a Maildir (BDAT: Postfix offers CHUNKING). The
/// message that arrives is the relay's stored message byte for byte; only the receiver's own lines are added on top,
/// and the receiver's files end lines with LF where SMTP had CRLF.
/// </summary>
public sealed partial class PostfixNextHopTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    [PostfixToolsFact]
    public async Task Smtp_sink_as_next_hop_receives_the_stored_message_byte_for_byte()
    {
        await using var sink = await SmtpSinkProcess.StartAsync();
        await using var relay = await InteropRelay.StartAsync("--Delivery:Mode=NextHop", $"--Delivery:NextHop=127.0.0.1:{sink.Port}");

        var token = "sink-" + Guid.NewGuid().ToString("N");
        var original = Message(token, "bob@example.com");
        await SubmitAsync(relay, ["bob@example.com", "carol@example.net"], original);
        var stored = await WaitDeliveredAsync(relay, token, $"127.0.0.1:{sink.Port}", () => $"smtp-sink:\n{sink.Output}");

        var dump = await WaitForDumpAsync(sink, token);
        // smtp-sink's own lines: the client, the envelope as the relay sent it, and its three-line Received.
        var lines = new List<string>();
        var at = 0;
        string NextLine()
        {
            var end = Array.IndexOf(dump, (byte)'\n', at);
            Assert.True(end >= 0 && lines.Count < 20, "no end of smtp-sink's own lines in the dump:\n" + Encoding.UTF8.GetString(dump));
            var line = Encoding.UTF8.GetString(dump, at, end - at);
            lines.Add(line);
            at = end + 1;
            return line;
        }
        while (!NextLine().StartsWith("Received: from ", StringComparison.Ordinal)) { }
        NextLine();
        NextLine();
        var header = string.Join('\n', lines);
        output.WriteLine("smtp-sink's own lines:\n" + header);
        Assert.Equal(
        [
            "X-Client-Addr: 127.0.0.1",
            "X-Client-Proto: ESMTP",
            "X-Helo-Args: smarthost.test",
        ], lines.Take(3));
        Assert.Matches(@"^X-Mail-Args: <alice@contoso\.test>( [A-Z]+=\S+)*$", lines[3]);
        Assert.Contains(" BODY=8BITMIME", lines[3], StringComparison.Ordinal);
        Assert.Equal(["X-Rcpt-Args: <bob@example.com>", "X-Rcpt-Args: <carol@example.net>"], lines.Skip(4).Take(2));
        Assert.True(lines.Count == 9 && SinkReceived().IsMatch(string.Join('\n', lines.Skip(6))), "smtp-sink's lines should end with its three-line Received:\n" + header);

        // Then the stored message, each CRLF now LF, and the empty line that ends every dump.
        AssertSameBytes([.. WithLfLineEnds(stored), .. "\n"u8], dump[at..], "smtp-sink's dump after its own lines");
    }

    [PostfixToolsFact(needsRoot: true)]
    public async Task A_private_Postfix_instance_as_next_hop_delivers_the_stored_message_into_a_Maildir_byte_for_byte()
    {
        await using var postfix = await PrivatePostfixInstance.StartAsync("mailbox.test", "bob");
        await using var relay = await InteropRelay.StartAsync("--Delivery:Mode=NextHop", $"--Delivery:NextHop=127.0.0.1:{postfix.Port}");

        var token = "maildir-" + Guid.NewGuid().ToString("N");
        var original = Message(token, "bob@mailbox.test");
        await SubmitAsync(relay, ["bob@mailbox.test"], original);
        var stored = await WaitDeliveredAsync(relay, token, $"127.0.0.1:{postfix.Port}", () => "the instance's log:\n" + postfix.LogTail());

        var mail = await postfix.WaitForMailAsync("bob", token, Limit);
        var expected = WithLfLineEnds(stored);
        var text = Encoding.UTF8.GetString(mail);
        Assert.True(mail.AsSpan().EndsWith(expected),
            $"the Maildir file should end with the relay's stored message (CRLF as LF); it is:\n{text}\n--- stored:\n{Encoding.UTF8.GetString(stored)}");

        // On top, only what Postfix's own delivery adds: Return-Path, X-Original-To, Delivered-To, its Received.
        var added = Encoding.UTF8.GetString(mail, 0, mail.Length - expected.Length);
        output.WriteLine("Postfix added:\n" + added);
        var fields = Regex.Split(added.TrimEnd('\n'), @"\n(?![ \t])").ToList();
        Assert.True(fields.All(f => AddedByPostfix().IsMatch(f)), "Postfix added more than its delivery headers:\n" + added);
        Assert.Contains("Return-Path: <alice@contoso.test>", fields);
        Assert.Contains("Delivered-To: bob@mailbox.test", fields);
        var received = Assert.Single(fields, f => f.StartsWith("Received: ", StringComparison.Ordinal));
        Assert.Matches(@"^Received: from smarthost\.test \(localhost \[127\.0\.0\.1\]\)\n\tby mx\.mailbox\.test \(Postfix\) with E?SMTP", received);

        // Postfix offers CHUNKING, so the relay sent the message with BDAT; its connection ended with QUIT once idle.
        // (The instance's first connection, without mail, was the test's own check that smtpd listens.)
        var disconnect = await postfix.WaitForLogLineAsync(new Regex(@"smtpd\[\d+\]: disconnect from \S*\[127\.0\.0\.1\] .*mail="), Limit);
        output.WriteLine(disconnect);
        Assert.Matches(@" ehlo=1 mail=1 rcpt=1 bdat=\d+ quit=1 commands=\d+$", disconnect);
    }

    /// <summary>
    /// The message as its author wrote it (what the relay stores after its own headers): a folded header, 8-bit
    /// UTF-8, lines that start with dots (stuffed on the wire), trailing white space, an empty line, a 990-octet line
    /// and 200 KB of body (several reads and writes on each hop). CRLF line ends only.
    /// </summary>
    private static byte[] Message(string token, string to)
    {
        var text = new StringBuilder()
            .Append("From: Alice <alice@contoso.test>\r\n")
            .Append($"To: Bob <{to}>\r\n")
            .Append($"Subject: next hop {token}\r\n")
            .Append($"Message-ID: <{token}@contoso.test>\r\n")
            .Append("Date: Sun, 06 Dec 2026 12:00:00 +0000\r\n")
            .Append("X-Folded: first part,\r\n second part,\r\n\tthird part after a tab\r\n")
            .Append("MIME-Version: 1.0\r\n")
            .Append("Content-Type: text/plain; charset=utf-8\r\n")
            .Append("Content-Transfer-Encoding: 8bit\r\n")
            .Append("\r\n")
            .Append("Body line one.\r\n")
            .Append(".A leading dot, stuffed on the wire.\r\n")
            .Append("..Two leading dots.\r\n")
            .Append(".\t\r\n")
            .Append("\r\n")
            .Append("Trailing spaces   \r\n")
            .Append("Ümlaut, € and 日本語 in 8-bit.\r\n")
            .Append(new string('x', 990)).Append("\r\n");
        for (var i = 0; i < 3000; i++) text.Append($"{i:D6} the quick brown fox jumps over the lazy dog, line after line.\r\n");
        text.Append("Last line.\r\n");
        return Encoding.UTF8.GetBytes(text.ToString());
    }

    /// <summary>Sends <paramref name="original"/> to the relay from the registered address 127.0.0.2, dot-stuffed, with BODY=8BITMIME.</summary>
    private static async Task SubmitAsync(InteropRelay relay, string[] recipients, byte[] original)
    {
        await using var client = await RawSmtpClient.ConnectAsync(relay.Relay.SmtpEndPoint, IPAddress.Parse("127.0.0.2"));
        Assert.StartsWith("220", await client.ReadReplyAsync());
        Assert.StartsWith("250", await client.CommandAsync("EHLO exchange.contoso.test"));
        Assert.StartsWith("250", await client.CommandAsync("MAIL FROM:<alice@contoso.test> BODY=8BITMIME"));
        foreach (var recipient in recipients) Assert.StartsWith("250", await client.CommandAsync($"RCPT TO:<{recipient}>"));
        Assert.StartsWith("354", await client.CommandAsync("DATA"));
        var stuffed = Encoding.UTF8.GetBytes(Regex.Replace(Encoding.UTF8.GetString(original), @"(?m)^\.", ".."));
        await client.SendAsync([.. stuffed, .. ".\r\n"u8]);
        Assert.StartsWith("250 2.0.0 Ok: queued as ", await client.ReadReplyAsync());
        await client.CommandAsync("QUIT");
    }

    /// <summary>
    /// Waits until every recipient of the message with <paramref name="token"/> was delivered to <paramref name="nextHop"/>
    /// and returns the relay's stored bytes, which end with the message as submitted.
    /// </summary>
    private static async Task<byte[]> WaitDeliveredAsync(InteropRelay relay, string token, string nextHop, Func<string> nextHopLog)
    {
        var message = await relay.WaitAsync(token, (int)Limit.TotalSeconds, "delivered")
            ?? throw new Xunit.Sdk.XunitException($"the relay did not deliver {token} within {Limit.TotalSeconds:0} s: {await QueueAsync(relay)}\n{nextHopLog()}");
        foreach (var delivery in message.GetProperty("delivery").EnumerateArray())
        {
            Assert.True(delivery.GetProperty("state").GetString() == "delivered", $"{delivery}\n{nextHopLog()}");
            Assert.Equal(nextHop, delivery.GetProperty("remoteAddress").GetString());
        }
        var stored = await relay.Http.GetByteArrayAsync($"/api/v1/messages/{message.GetProperty("id").GetString()}/raw");
        var original = Message(token, message.GetProperty("recipients")[0].GetString()!);
        Assert.True(stored.AsSpan().EndsWith(original), "the relay should store the message as submitted after its own headers:\n" + Encoding.UTF8.GetString(stored));
        Assert.StartsWith("Authentication-Results: ", Encoding.UTF8.GetString(stored), StringComparison.Ordinal);
        // No CR or LF outside CRLF pairs, so turning CRLF into LF below is exact and reversible.
        Assert.DoesNotMatch(@"\r(?!\n)|(?<!\r)\n", Encoding.UTF8.GetString(stored));
        return stored;
    }

    private static async Task<string> QueueAsync(InteropRelay relay)
    {
        try
        {
            return (await relay.GetJsonAsync("/api/v1/queue")).ToString();
        }
        catch (HttpRequestException e)
        {
            return $"(no queue: {e.Message})";
        }
    }

    /// <summary>The dump holding <paramref name="token"/> once it is complete (it ends with the message's last line and the empty line).</summary>
    private static async Task<byte[]> WaitForDumpAsync(SmtpSinkProcess sink, string token)
    {
        var needle = Encoding.UTF8.GetBytes(token);
        var deadline = DateTime.UtcNow + Limit;
        while (true)
        {
            foreach (var file in sink.Dumps())
            {
                var bytes = await File.ReadAllBytesAsync(file);
                if (bytes.AsSpan().IndexOf(needle) >= 0 && bytes.AsSpan().EndsWith("Last line.\n\n"u8)) return bytes;
            }
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"no complete dump with {token} in {sink.DumpFolder} within {Limit.TotalSeconds:0} s ({sink.Dumps().Count} files); smtp-sink:\n{sink.Output}");
            await Task.Delay(100);
        }
    }

    private static byte[] WithLfLineEnds(byte[] crlf) => Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(crlf).Replace("\r\n", "\n", StringComparison.Ordinal));

    /// <summary>Equal bytes, or a failure naming the first difference with its surroundings.</summary>
    private static void AssertSameBytes(ReadOnlySpan<byte> expected, ReadOnlySpan<byte> actual, string what)
    {
        var common = expected.CommonPrefixLength(actual);
        if (common == expected.Length && common == actual.Length) return;
        static string Around(ReadOnlySpan<byte> bytes, int at) =>
            JsonSerializer.Serialize(Encoding.UTF8.GetString(bytes[Math.Max(0, at - 60)..Math.Min(bytes.Length, at + 60)]));
        Assert.Fail($"{what}: {actual.Length} octets, expected {expected.Length}; first difference at octet {common}:\n" +
                    $"expected …{Around(expected, common)}…\nactual   …{Around(actual, common)}…");
    }

    [GeneratedRegex(@"^Received: from smarthost\.test \(\[127\.0\.0\.1\]\)\n\tby smtp-sink \(smtp-sink\) with ESMTP id [0-9a-f]+;\n\t.+$")]
    private static partial Regex SinkReceived();

    [GeneratedRegex(@"^(Return-Path|X-Original-To|Delivered-To|Received): ")]
    private static partial Regex AddedByPostfix();
}
