using System.Net;
using Microsoft.Extensions.DependencyInjection;
using SmarthostLab.Relay.Hosting;
using SmarthostLab.Relay.Storage;
using SmarthostLab.Tests.Support;

namespace SmarthostLab.Browser.Tests;

/// <summary>
/// A relay for the page: loopback ports, a temp data folder, samples/lab.zone plus woodgrove.test (DMARC p=reject, SPF
/// covering only 192.0.2.200), no live DNS, egress 198.51.100.25, authserv-id smarthost.test, account "lab" registering
/// 127.0.0.2 for contoso.test with the sample DKIM key, admin token <see cref="AdminToken"/>.
/// </summary>
public sealed class PageRelay : IAsyncDisposable
{
    public const string AdminToken = "admin-token-1234";
    public static readonly IPAddress Registered = IPAddress.Parse("127.0.0.2");
    public static readonly IPAddress Unregistered = IPAddress.Parse("127.0.0.3");

    private const string TestZone = """
        $TTL 300
        $ORIGIN woodgrove.test.
        @       IN SOA ns1.woodgrove.test. hostmaster.woodgrove.test. ( 1 3600 600 604800 300 )
                IN TXT "v=spf1 ip4:192.0.2.200 -all"
        _dmarc  IN TXT "v=DMARC1; p=reject"
        """;

    private readonly TempFolder _folder;

    private PageRelay(RunningRelay relay, TempFolder folder)
    {
        Relay = relay;
        _folder = folder;
    }

    public RunningRelay Relay { get; }

    public Uri Page => Relay.HttpBaseAddress;

    public IPEndPoint Smtp => Relay.SmtpEndPoint;

    public IMessageStore Store => Relay.Services.GetRequiredService<IMessageStore>();

    public static async Task<PageRelay> StartAsync()
    {
        var folder = new TempFolder();
        try
        {
            var root = RepositoryFiles.Root();
            var zone = Path.Combine(folder.Path, "page.zone");
            await File.WriteAllTextAsync(zone, await File.ReadAllTextAsync(Path.Combine(root, "samples", "lab.zone")) + "\n" + TestZone + "\n");
            var data = Path.Combine(folder.Path, "data");
            var relay = await RelayHost.StartAsync(
            [
                "--smtp", "127.0.0.1:0", "--http", "127.0.0.1:0", "--data", data, "--zone", zone,
                "--Logging:LogLevel:Default=Warning",
                "--Smtp:HostName=relay.test",
                "--Api:AdminToken=" + AdminToken,
                "--Verification:EgressAddresses:0=198.51.100.25",
                "--Verification:AuthServId=smarthost.test",
                "--Verification:Dns:Offline=true",
                "--Accounts:0:Name=lab",
                "--Accounts:0:OutboundServers:0=127.0.0.2",
                "--Accounts:0:Domains:0=contoso.test",
                "--Accounts:0:Dkim:0:Domain=contoso.test",
                "--Accounts:0:Dkim:0:Selector=s1",
                "--Accounts:0:Dkim:0:PrivateKeyFile=" + Path.Combine(root, "samples", "keys", "contoso.test.s1.pem"),
            ]);
            return new PageRelay(relay, folder);
        }
        catch
        {
            folder.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Sends <paramref name="message"/> (CRLF text, dot-stuffed by the caller if needed) over a raw session from
    /// 127.0.0.2 and returns the queue id of the 250.
    /// </summary>
    public async Task<string> SendAsync(string mailFrom, string message, string to = "bob@example.com", bool startTls = false)
    {
        await using var client = await RawSmtpClient.ConnectAsync(Smtp, Registered);
        Assert.StartsWith("220", await client.ReadReplyAsync());
        Assert.StartsWith("250", await client.CommandAsync("EHLO exchange.contoso.test"));
        if (startTls)
        {
            Assert.StartsWith("220", await client.CommandAsync("STARTTLS"));
            await client.StartTlsAsync();
            Assert.StartsWith("250", await client.CommandAsync("EHLO exchange.contoso.test"));
        }
        Assert.StartsWith("250", await client.CommandAsync($"MAIL FROM:<{mailFrom}>"));
        Assert.StartsWith("250", await client.CommandAsync($"RCPT TO:<{to}>"));
        Assert.StartsWith("354", await client.CommandAsync("DATA"));
        await client.SendAsync(message + ".\r\n");
        var reply = await client.ReadReplyAsync();
        Assert.StartsWith("250", reply);
        await client.CommandAsync("QUIT");
        return reply[(reply.LastIndexOf(' ') + 1)..].Trim();
    }

    /// <summary>A plain message from <paramref name="from"/> with <paramref name="subject"/> (and more header lines).</summary>
    public static string Message(string from, string subject, string body = "Hello.\r\n", string extraHeaders = "") =>
        $"From: {from}\r\nTo: bob@example.com\r\nSubject: {subject}\r\nMessage-ID: <{Guid.NewGuid():N}@contoso.test>\r\n" +
        $"Date: Mon, 23 Nov 2026 12:00:00 +0000\r\n{extraHeaders}\r\n{body}";

    public async ValueTask DisposeAsync()
    {
        await Relay.DisposeAsync();
        _folder.Dispose();
    }
}
