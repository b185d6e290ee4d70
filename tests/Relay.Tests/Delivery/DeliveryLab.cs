using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using MimeKit;
using SmarthostLab.Relay.Api;
using SmarthostLab.Contracts;
using SmarthostLab.Relay.Tests.Infrastructure;
using SmarthostLab.Tests.Support;

namespace SmarthostLab.Relay.Tests.Delivery;

/// <summary>
/// Shared steps of the onward-delivery tests (issue 13): a relay pointed at a <see cref="ScriptedSmtpServer"/>, a
/// message sent over a raw SMTP session, the API's view of it (wait, message, raw, queue, admin POSTs) and the DSNs
/// the relay writes, parsed with MimeKit. Live DNS is off in every relay started here (names outside a zone file are
/// a temperror, which the default policy stores), so nothing leaves the machine and nothing waits on a resolver.
/// </summary>
internal static class DeliveryLab
{
    /// <summary>How long any wait for a delivery state may take, in seconds: generous, since a missed event fails the test anyway.</summary>
    public const int WaitSeconds = 30;

    public const string OfflineDns = "--Verification:Dns:Offline=true";

    /// <summary>The EHLO keywords of <see cref="ScriptedSmtpServerOptions.DefaultCapabilities"/> without <paramref name="left"/>.</summary>
    public static IReadOnlyList<string> CapabilitiesWithout(params string[] left) =>
        [.. ScriptedSmtpServerOptions.DefaultCapabilities.Where(c => !left.Any(l => c.Split(' ')[0] == l))];

    /// <summary>The EHLO keywords of a next hop with or without CHUNKING: BDAT or DATA.</summary>
    public static IReadOnlyList<string> Capabilities(bool chunking) =>
        chunking ? ScriptedSmtpServerOptions.DefaultCapabilities : CapabilitiesWithout("CHUNKING");

    /// <summary>Arguments of a relay in NextHop mode to <paramref name="server"/>, retries every second, no live DNS; <paramref name="extra"/> overrides.</summary>
    public static string[] NextHopArgs(ScriptedSmtpServer server, params string[] extra) =>
        [OfflineDns, "--Delivery:Mode=NextHop", $"--Delivery:NextHop=127.0.0.1:{server.Port}", "--Delivery:RetrySchedule=1s", .. extra];

    /// <summary>A relay started with <see cref="NextHopArgs"/>.</summary>
    public static Task<TestRelay> StartNextHopAsync(ScriptedSmtpServer server, params string[] extra) => TestRelay.StartAsync(NextHopArgs(server, extra));

    /// <summary>A loopback port nothing listens on (bound by the system, then released): a next hop that is down.</summary>
    public static int FreePort()
    {
        using var socket = new Socket(SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)socket.LocalEndPoint!).Port;
    }

    /// <summary>A relay with no live DNS and <paramref name="args"/>.</summary>
    public static Task<TestRelay> StartAsync(params string[] args) => TestRelay.StartAsync([OfflineDns, .. args]);

    /// <summary>
    /// A relay in Mx mode whose zone file (written to <paramref name="folder"/>) sends example.test to mx.example.test,
    /// 127.0.0.1, at <paramref name="server"/>'s port, and gives nullmx.test a null MX (RFC 7505).
    /// </summary>
    public static async Task<TestRelay> StartMxAsync(ScriptedSmtpServer server, TempFolder folder)
    {
        var zone = Path.Combine(folder.Path, "delivery.zone");
        await File.WriteAllTextAsync(zone, """
            $TTL 300
            $ORIGIN test.
            example          MX 10 mx.example.test.
            mx.example       A  127.0.0.1
            nullmx           MX 0 .
            """);
        return await StartAsync("--zone", zone, "--Delivery:Mode=Mx", $"--Delivery:MxPort={server.Port}", "--Delivery:RetrySchedule=1s");
    }

    /// <summary>A plain-text message with <paramref name="subject"/> (a token without spaces) in Subject and Message-ID.</summary>
    public static byte[] Message(string subject, string body = "Hello.\r\n") => Encoding.UTF8.GetBytes(
        $"From: Alice <alice@contoso.test>\r\nTo: <bob@example.com>\r\nSubject: {subject}\r\nMessage-ID: <{subject}@contoso.test>\r\n" +
        $"MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n{body}");

    /// <summary>
    /// Sends <paramref name="content"/> over one SMTP session from the registered address (or <paramref name="from"/>):
    /// <c>MAIL FROM:</c><paramref name="mailFrom"/>, one <c>RCPT TO:</c> per entry of <paramref name="recipients"/>
    /// (path and parameters, e.g. <c>&lt;bob@example.com&gt; NOTIFY=NEVER</c>; bob when none), DATA with the content
    /// dot-stuffed. Asserts every reply and returns the queue id.
    /// </summary>
    public static Task<string> SendAsync(this TestRelay relay, byte[] content, string mailFrom = "<alice@contoso.test>",
        IReadOnlyList<string>? recipients = null, IPAddress? from = null) => SendAsync(relay.Smtp, content, mailFrom, recipients, from);

    /// <summary><see cref="SendAsync(TestRelay, byte[], string, IReadOnlyList{string}?, IPAddress?)"/> to any relay's SMTP endpoint (one run as a process, say).</summary>
    public static async Task<string> SendAsync(IPEndPoint smtp, byte[] content, string mailFrom = "<alice@contoso.test>",
        IReadOnlyList<string>? recipients = null, IPAddress? from = null)
    {
        var (client, reply) = await TransactAsync(smtp, content, mailFrom, recipients, from);
        await using (client)
        {
            Assert.StartsWith("250 ", reply);
            Assert.StartsWith("221", await client.CommandAsync("QUIT"));
        }
        return Mail.QueueIdOf(reply);
    }

    /// <summary>
    /// One transaction as <see cref="SendAsync(IPEndPoint, byte[], string, IReadOnlyList{string}?, IPAddress?)"/> sends it,
    /// every reply asserted up to DATA's 354; returns the open session and the reply to the content, whatever it is.
    /// </summary>
    public static async Task<(RawSmtpClient Client, string Reply)> TransactAsync(IPEndPoint smtp, byte[] content, string mailFrom = "<alice@contoso.test>",
        IReadOnlyList<string>? recipients = null, IPAddress? from = null)
    {
        var client = await RawSmtpClient.ConnectAsync(smtp, from ?? TestRelay.Registered);
        try
        {
            Assert.StartsWith("220", await client.ReadReplyAsync());
            Assert.StartsWith("250", await client.CommandAsync("EHLO exchange.contoso.test"));
            Assert.StartsWith("250", await client.CommandAsync("MAIL FROM:" + mailFrom));
            foreach (var recipient in recipients ?? ["<bob@example.com>"])
                Assert.StartsWith("250", await client.CommandAsync("RCPT TO:" + recipient));
            Assert.StartsWith("354", await client.CommandAsync("DATA"));
            await client.SendAsync(Stuffed(content));
            return (client, await client.ReadReplyAsync());
        }
        catch
        {
            await client.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// GET /api/v1/wait?token=…&amp;delivery=<paramref name="state"/>: the message once every recipient is in that state
    /// or a final one. Fails with the relay's answer when it does not come.
    /// </summary>
    public static async Task<MessageResponse> WaitForAsync(this TestRelay relay, string token, string state)
    {
        var response = await relay.Http.GetAsync($"/api/v1/wait?token={Uri.EscapeDataString(token)}&delivery={state}&timeout={WaitSeconds}");
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"wait for '{token}' to be {state}: {(int)response.StatusCode} {body}");
        return JsonSerializer.Deserialize(body, RelayJson.Context.MessageResponse)!;
    }

    /// <summary>GET /api/v1/messages/{id}.</summary>
    public static async Task<MessageResponse> MessageAsync(this TestRelay relay, string id) =>
        (await relay.Http.GetFromJsonAsync($"/api/v1/messages/{id}", RelayJson.Context.MessageResponse))!;

    /// <summary>GET /api/v1/messages/{id}/raw: the stored bytes.</summary>
    public static Task<byte[]> RawAsync(this TestRelay relay, string id) => relay.Http.GetByteArrayAsync($"/api/v1/messages/{id}/raw");

    /// <summary>GET /api/v1/queue.</summary>
    public static async Task<QueueResponse> QueueAsync(this TestRelay relay) =>
        (await relay.Http.GetFromJsonAsync("/api/v1/queue", RelayJson.Context.QueueResponse))!;

    /// <summary>The DSNs the relay stored about message <paramref name="id"/> (dsnOf = id).</summary>
    public static async Task<List<MessageResponse>> DsnsOfAsync(this TestRelay relay, string id) =>
        [.. (await relay.MessagesAsync("?token=" + id)).Messages.Where(m => m.DsnOf == id)];

    /// <summary>The one DSN the relay stored about message <paramref name="id"/>, checked as a DSN's envelope: from &lt;&gt; to alice.</summary>
    public static async Task<MessageResponse> DsnOfAsync(this TestRelay relay, string id)
    {
        var dsn = Assert.Single(await relay.DsnsOfAsync(id));
        Assert.Equal("", dsn.MailFrom);
        Assert.Equal(["alice@contoso.test"], dsn.Recipients);
        return dsn;
    }

    /// <summary>POST <paramref name="uri"/> with a JSON body, with the admin token unless <paramref name="admin"/> is false.</summary>
    public static Task<HttpResponseMessage> PostAsync(this TestRelay relay, string uri, string? json = null, bool admin = true)
    {
        var request = admin ? relay.Admin(HttpMethod.Post, uri) : new HttpRequestMessage(HttpMethod.Post, uri);
        if (json is not null) request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        return relay.Http.SendAsync(request);
    }

    /// <summary>The one per-recipient delivery of a message sent to a single recipient.</summary>
    public static DeliveryResponse Only(this MessageResponse message) => Assert.Single(message.Delivery);

    /// <summary>The delivery of <paramref name="recipient"/>.</summary>
    public static DeliveryResponse Of(this MessageResponse message, string recipient) => Assert.Single(message.Delivery, d => d.Recipient == recipient);

    /// <summary>Parses a stored DSN and checks the shape every DSN has (RFC 3464, RFC 6522).</summary>
    public static DsnReport ParseDsn(byte[] raw)
    {
        var message = MimeMessage.Load(new MemoryStream(raw));
        var report = Assert.IsType<MultipartReport>(message.Body);
        Assert.Equal("delivery-status", report.ReportType);
        Assert.Equal(3, report.Count);
        Assert.Equal("text/plain", report[0].ContentType.MimeType);
        var status = Assert.IsType<MessageDeliveryStatus>(report[1]);
        var groups = status.StatusGroups;
        Assert.True(groups.Count >= 2, "a per-message group and at least one per-recipient group");
        return new DsnReport(message, ((TextPart)report[0]).Text, groups[0], [.. groups.Skip(1)], report[2]);
    }

    /// <summary><paramref name="content"/> as DATA sends it: dot-stuffed (RFC 5321 4.5.2), then ".".</summary>
    private static byte[] Stuffed(byte[] content)
    {
        var output = new MemoryStream(content.Length + 16);
        var lineStart = true;
        foreach (var octet in content)
        {
            if (lineStart && octet == (byte)'.') output.WriteByte((byte)'.');
            output.WriteByte(octet);
            lineStart = octet == (byte)'\n';
        }
        if (!lineStart) output.Write("\r\n"u8);
        output.Write(".\r\n"u8);
        return output.ToArray();
    }
}

/// <summary>A DSN as MimeKit reads it.</summary>
/// <param name="Message">The whole message.</param>
/// <param name="Text">The human-readable first part.</param>
/// <param name="PerMessage">The per-message fields (Reporting-MTA, Original-Envelope-Id, Arrival-Date).</param>
/// <param name="PerRecipient">One group of fields per recipient.</param>
/// <param name="Returned">The third part: text/rfc822-headers, or message/rfc822 with RET=FULL.</param>
internal sealed record DsnReport(MimeMessage Message, string Text, HeaderList PerMessage, IReadOnlyList<HeaderList> PerRecipient, MimeEntity Returned)
{
    /// <summary>The one per-recipient group.</summary>
    public HeaderList Recipient => Assert.Single(PerRecipient);

    /// <summary>The returned header block (text/rfc822-headers) as text.</summary>
    public string ReturnedHeaders
    {
        get
        {
            var part = Assert.IsType<TextRfc822Headers>(Returned);
            using var content = new MemoryStream();
            part.Message!.WriteTo(new FormatOptions { NewLineFormat = NewLineFormat.Dos }, content);
            return Encoding.UTF8.GetString(content.ToArray());
        }
    }
}
