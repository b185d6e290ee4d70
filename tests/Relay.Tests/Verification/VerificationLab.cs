using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using SmarthostLab.Relay.Tests.Infrastructure;
using SmarthostLab.Tests.Support;

namespace SmarthostLab.Relay.Tests.Verification;

/// <summary>
/// A relay with verification on: samples/lab.zone plus a test zone (fabrikam.test: p=reject, SPF not covering
/// the egress), egress 198.51.100.25, authserv-id smarthost.test, the sample contoso.test key for account "lab",
/// and live DNS pointed at a UDP socket that never answers (200 ms, no retry), so names outside the zones
/// (e.g. slow.example) time out into temperror quickly and nothing reaches the real network.
/// </summary>
internal sealed class VerificationLab : IAsyncDisposable
{
    public const string AuthServId = "smarthost.test";
    public const string Egress = "198.51.100.25";

    private const string TestZone = """
        $TTL 300
        $ORIGIN fabrikam.test.
        @       IN SOA ns1.fabrikam.test. hostmaster.fabrikam.test. ( 1 3600 600 604800 300 )
                IN TXT "v=spf1 ip4:192.0.2.200 -all"
        _dmarc  IN TXT "v=DMARC1; p=reject"
        """;

    private readonly UdpClient _silentDns;
    private readonly TempFolder _folder;

    private VerificationLab(TestRelay relay, UdpClient silentDns, TempFolder folder, string zonePath)
    {
        Relay = relay;
        _silentDns = silentDns;
        _folder = folder;
        ZonePath = zonePath;
    }

    public TestRelay Relay { get; }

    /// <summary>The zone file the relay loaded (lab.zone + the test zone).</summary>
    public string ZonePath { get; }

    public static string SampleKey => Path.Combine(RepositoryFiles.Root(), "samples", "keys", "contoso.test.s1.pem");

    /// <summary>Starts the lab relay; <paramref name="extra"/> are more relay arguments (e.g. the account's DmarcFailurePolicy).</summary>
    public static Task<VerificationLab> StartAsync(params string[] extra) => StartCoreAsync(signing: true, extra);

    /// <summary>Starts the lab relay without a DKIM key for the account: messages are verified as sent, not re-signed.</summary>
    public static Task<VerificationLab> StartWithoutSigningAsync(params string[] extra) => StartCoreAsync(signing: false, extra);

    private static async Task<VerificationLab> StartCoreAsync(bool signing, string[] extra)
    {
        var folder = new TempFolder();
        var zonePath = Path.Combine(folder.Path, "test.zone");
        await File.WriteAllTextAsync(zonePath, await File.ReadAllTextAsync(Path.Combine(RepositoryFiles.Root(), "samples", "lab.zone")) + "\n" + TestZone + "\n");
        var silent = new UdpClient(new IPEndPoint(IPAddress.Loopback, 0));
        var port = ((IPEndPoint)silent.Client.LocalEndPoint!).Port;
        try
        {
            var relay = await TestRelay.StartAsync(
            [
                "--zone", zonePath,
                "--Verification:EgressAddresses:0=" + Egress,
                "--Verification:AuthServId=" + AuthServId,
                "--Verification:Dns:Servers:0=127.0.0.1:" + port,
                "--Verification:Dns:Timeout=00:00:00.200",
                "--Verification:Dns:Retries=0",
                .. signing
                    ? (string[])["--Accounts:0:Dkim:0:Domain=contoso.test", "--Accounts:0:Dkim:0:Selector=s1", "--Accounts:0:Dkim:0:PrivateKeyFile=" + SampleKey]
                    : [],
                .. extra,
            ]);
            return new VerificationLab(relay, silent, folder, zonePath);
        }
        catch
        {
            silent.Dispose();
            folder.Dispose();
            throw;
        }
    }

    /// <summary>Sends <paramref name="message"/> (CRLF text) over a raw session from 127.0.0.2 and returns the reply to it.</summary>
    public async Task<string> SendRawAsync(string mailFrom, string message, string helo = "mail.contoso.test", string to = "bob@example.com")
    {
        await using var client = await RawSmtpClient.ConnectAsync(Relay.Smtp, TestRelay.Registered);
        Assert.StartsWith("220", await client.ReadReplyAsync());
        Assert.StartsWith("250", await client.CommandAsync("EHLO " + helo));
        Assert.StartsWith("250", await client.CommandAsync($"MAIL FROM:<{mailFrom}>"));
        Assert.StartsWith("250", await client.CommandAsync($"RCPT TO:<{to}>"));
        Assert.StartsWith("354", await client.CommandAsync("DATA"));
        await client.SendAsync(message + ".\r\n");
        var reply = await client.ReadReplyAsync();
        await client.CommandAsync("QUIT");
        return reply;
    }

    /// <summary>The stored message's verdict (GET /api/v1/messages/{id}).</summary>
    public async Task<JsonElement> VerdictAsync(string queueId)
    {
        var json = await Relay.Http.GetStringAsync("/api/v1/messages/" + queueId);
        using var document = JsonDocument.Parse(json);
        return document.RootElement.GetProperty("verdict").Clone();
    }

    public async Task<string> RawTextAsync(string queueId) =>
        Encoding.ASCII.GetString(await Relay.Http.GetByteArrayAsync($"/api/v1/messages/{queueId}/raw"));

    public static string Message(string from, string subject, string extraHeaders = "") =>
        $"From: {from}\r\nTo: bob@example.com\r\nSubject: {subject}\r\nMessage-ID: <{Guid.NewGuid():N}@test>\r\nDate: Mon, 23 Nov 2026 12:00:00 +0000\r\n{extraHeaders}\r\nHello.\r\n";

    public async ValueTask DisposeAsync()
    {
        await Relay.DisposeAsync();
        _silentDns.Dispose();
        _folder.Dispose();
    }
}
