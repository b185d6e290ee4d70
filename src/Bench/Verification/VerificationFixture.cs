using System.Security.Cryptography;
using System.Text;
using SmarthostLab.Verification.Dkim;
using SmarthostLab.Verification.Dns;

namespace SmarthostLab.Bench.Verification;

/// <summary>
/// What the verification benchmarks share: a lab zone (SPF with an include, DKIM keys, DMARC) held in
/// memory by a <see cref="ZoneResolver"/> (every answer a cache hit, no network), and a 4 KB message
/// signed once with RSA-2048 (rsa-sha256) and once with Ed25519 (ed25519-sha256).
/// </summary>
internal sealed class VerificationFixture
{
    /// <summary>Author and MAIL FROM domain.</summary>
    public const string Domain = "contoso.test";

    /// <summary>Built once per benchmark process.</summary>
    public static VerificationFixture Instance { get; } = new();

    private VerificationFixture()
    {
        using var rsa = RSA.Create(2048);
        RsaKey = DkimSigningKey.FromPem(rsa.ExportRSAPrivateKeyPem(), Domain, "rsa");
        EdKey = DkimSigningKey.FromEd25519Seed(RandomNumberGenerator.GetBytes(32), Domain, "ed");
        Unsigned = Encoding.ASCII.GetBytes(MakeMessage(4096));
        RsaSigned = new DkimMessageSigner(RsaKey).SignAndPrepend(Unsigned);
        EdSigned = new DkimMessageSigner(EdKey).SignAndPrepend(Unsigned);
        Dns = ZoneResolver.FromText(MakeZone(), "bench.zone");
    }

    /// <summary>The zone, answering for contoso.test and smarthost.test.</summary>
    public ZoneResolver Dns { get; }

    /// <summary>RSA-2048 key, selector "rsa".</summary>
    public DkimSigningKey RsaKey { get; }

    /// <summary>Ed25519 key, selector "ed".</summary>
    public DkimSigningKey EdKey { get; }

    /// <summary>The 4 KB message without a signature.</summary>
    public byte[] Unsigned { get; }

    /// <summary>The message with an rsa-sha256 signature prepended.</summary>
    public byte[] RsaSigned { get; }

    /// <summary>The message with an ed25519-sha256 signature prepended.</summary>
    public byte[] EdSigned { get; }

    /// <summary>Parses raw octets as the verifier does (MimeKit over a non-copying stream).</summary>
    public static MimeKit.MimeMessage Parse(byte[] raw)
    {
        using var stream = new MemoryStream(raw, writable: false);
        return MimeKit.MimeMessage.Load(stream);
    }

    private string MakeZone()
    {
        var zone = new StringBuilder()
            .AppendLine("$ORIGIN contoso.test.")
            .AppendLine("$TTL 3600")
            .AppendLine("@ IN SOA ns.contoso.test. hostmaster.contoso.test. 1 3600 600 86400 300")
            .AppendLine("@ IN TXT \"v=spf1 ip4:192.0.2.0/24 include:_spf.smarthost.test -all\"")
            .AppendLine("@ IN A 192.0.2.10")
            .AppendLine("_dmarc IN TXT \"v=DMARC1; p=reject; adkim=r; aspf=r; rua=mailto:dmarc@contoso.test\"")
            .Append("rsa._domainkey IN TXT ").AppendLine(Quote(RsaKey.PublicKeyRecord))
            .Append("ed._domainkey IN TXT ").AppendLine(Quote(EdKey.PublicKeyRecord))
            .AppendLine("$ORIGIN smarthost.test.")
            .AppendLine("@ IN SOA ns.smarthost.test. hostmaster.smarthost.test. 1 3600 600 86400 300")
            .AppendLine("_spf IN TXT \"v=spf1 ip4:198.51.100.0/24 ip6:2001:db8::/32 ~all\"");
        return zone.ToString();
    }

    /// <summary>A TXT value as RFC 1035 character-strings of at most 255 octets.</summary>
    private static string Quote(string text) =>
        string.Join(' ', text.Chunk(250).Select(c => "\"" + new string(c) + "\""));

    private static string MakeMessage(int size)
    {
        var sb = new StringBuilder()
            .Append("From: Sender <sender@").Append(Domain).Append(">\r\n")
            .Append("To: Receiver <rcpt@example.com>\r\n")
            .Append("Subject: Quarterly figures\r\n")
            .Append("Date: Mon, 23 Nov 2026 12:00:00 +0000\r\n")
            .Append("Message-ID: <bench.4k@").Append(Domain).Append(">\r\n")
            .Append("MIME-Version: 1.0\r\n")
            .Append("Content-Type: text/plain; charset=us-ascii\r\n\r\n");
        var line = 0;
        while (sb.Length < size - 80)
        {
            sb.Append("Line ").Append(line++).Append(": the quick brown fox jumps over the lazy dog, twice over.\r\n");
        }
        return sb.ToString();
    }
}
