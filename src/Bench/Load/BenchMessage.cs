using System.Security.Cryptography;
using System.Text;
using MimeKit;
using MimeKit.Cryptography;

namespace SmarthostLab.Bench.Load;

/// <summary>
/// One test message, built once: its raw octets (CRLF lines, at most 78 octets each), the same
/// octets dot-stuffed and terminated for DATA (RFC 5321 4.5.2), and the offset of a 12-digit
/// sequence number in the first header (<c>X-Bench-Seq</c>, never signed) that each sender patches
/// in its own copy so that stored messages differ without rebuilding them.
/// </summary>
public sealed class BenchMessage
{
    /// <summary>Digits of the sequence number field.</summary>
    public const int SeqDigits = 12;

    private const string SeqHeader = "X-Bench-Seq: ";

    private BenchMessage(byte[] raw, byte[] data, string? dkimTxt)
    {
        Raw = raw;
        DataPayload = data;
        SeqOffset = SeqHeader.Length;
        DkimTxtRecord = dkimTxt;
    }

    /// <summary>The message as stored by a server (what BDAT sends).</summary>
    public byte[] Raw { get; }

    /// <summary>The message dot-stuffed with the closing <c>.CRLF</c> (what DATA sends after the 354).</summary>
    public byte[] DataPayload { get; }

    /// <summary>Offset of the sequence digits in both <see cref="Raw"/> and <see cref="DataPayload"/>.</summary>
    public int SeqOffset { get; }

    /// <summary>For a signed message, the TXT record (<c>v=DKIM1; k=rsa; p=…</c>) a zone must publish at <c>bench._domainkey.DOMAIN</c>.</summary>
    public string? DkimTxtRecord { get; }

    /// <summary>DKIM selector used by signed messages.</summary>
    public const string Selector = "bench";

    /// <summary>Builds a text/plain message of about <paramref name="size"/> octets from <paramref name="domain"/>.</summary>
    /// <param name="size">Target size before dot-stuffing (exact when unsigned; the signature adds its header when signed).</param>
    /// <param name="domain">From: and MAIL FROM domain; d= of the signature.</param>
    /// <param name="signed">Sign (relaxed/relaxed, rsa-sha256, selector <see cref="Selector"/>).</param>
    /// <param name="keyPem">PEM RSA private key to sign with; null = a fresh RSA-2048 key.</param>
    public static BenchMessage Create(int size, string domain, bool signed, string? keyPem = null)
    {
        var headers = new StringBuilder()
            .Append(SeqHeader).Append('0', SeqDigits).Append("\r\n")
            .Append("From: Bench Sender <bench@").Append(domain).Append(">\r\n")
            .Append("To: Bench Receiver <rcpt@example.com>\r\n")
            .Append("Subject: SmarthostLab load test\r\n")
            .Append("Date: Mon, 23 Nov 2026 12:00:00 +0000\r\n")
            .Append("Message-ID: <bench.").Append(size).Append('@').Append(domain).Append(">\r\n")
            .Append("MIME-Version: 1.0\r\n")
            .Append("Content-Type: text/plain; charset=us-ascii\r\n")
            .Append("\r\n")
            .ToString();
        var raw = Encoding.ASCII.GetBytes(headers + MakeBody(Math.Max(64, size - headers.Length)));
        string? txt = null;
        if (signed)
        {
            // Sign once to learn the signature's length, then shrink the body so the total stays near the size asked for.
            keyPem ??= NewRsaKeyPem();
            var signatureLength = Sign(raw, domain, keyPem).Raw.Length - raw.Length;
            raw = Encoding.ASCII.GetBytes(headers + MakeBody(Math.Max(64, size - headers.Length - signatureLength)));
            (raw, txt) = Sign(raw, domain, keyPem);
        }
        return new BenchMessage(raw, DotStuff(raw), txt);
    }

    /// <summary>Body of exactly <paramref name="length"/> octets: 76-character lines, every 16th starting with a dot.</summary>
    private static string MakeBody(int length)
    {
        const string alphabet = "abcdefghijklmnopqrstuvwxyz ABCDEFGHIJKLMNOPQRSTUVWXYZ 0123456789 ";
        var sb = new StringBuilder(length);
        var line = 0;
        while (sb.Length < length)
        {
            var left = length - sb.Length;
            if (left <= 2) { sb.Append('x', left); break; }
            var n = Math.Min(76, left - 2);
            for (var i = 0; i < n; i++)
                sb.Append(i == 0 && line % 16 == 15 ? '.' : alphabet[(i + line) % alphabet.Length]);
            sb.Append("\r\n");
            line++;
        }
        // The message must end in CRLF so that DATA's terminator is CRLF.CRLF.
        if (sb.Length >= 2 && (sb[^2] != '\r' || sb[^1] != '\n')) { sb[^2] = '\r'; sb[^1] = '\n'; }
        return sb.ToString();
    }

    private static string NewRsaKeyPem()
    {
        using var rsa = RSA.Create(2048);
        return rsa.ExportRSAPrivateKeyPem();
    }

    private static (byte[] Raw, string Txt) Sign(byte[] raw, string domain, string keyPem)
    {
        using var rsa = RSA.Create();
        rsa.ImportFromPem(keyPem);
        var pem = rsa.ExportRSAPrivateKeyPem();
        var spki = Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo());
        using var pemStream = new MemoryStream(Encoding.ASCII.GetBytes(pem));
        var signer = new DkimSigner(pemStream, domain, Selector, DkimSignatureAlgorithm.RsaSha256)
        {
            HeaderCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
            BodyCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
        };
        using var input = new MemoryStream(raw);
        var message = MimeMessage.Load(input);
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        signer.Sign(format, message, [HeaderId.From, HeaderId.To, HeaderId.Subject, HeaderId.Date, HeaderId.MessageId, HeaderId.MimeVersion, HeaderId.ContentType]);
        // Keep X-Bench-Seq first: move the DKIM-Signature header after it.
        var signature = message.Headers.First(h => h.Id == HeaderId.DkimSignature);
        message.Headers.Remove(signature);
        message.Headers.Insert(1, signature);
        using var output = new MemoryStream();
        message.WriteTo(format, output);
        return (output.ToArray(), $"v=DKIM1; k=rsa; p={spki}");
    }

    /// <summary>RFC 5321 4.5.2 transparency: a line starting with '.' gets one more; then ".CRLF".</summary>
    public static byte[] DotStuff(ReadOnlySpan<byte> raw)
    {
        var output = new List<byte>(raw.Length + raw.Length / 64 + 3);
        var lineStart = true;
        foreach (var b in raw)
        {
            if (lineStart && b == (byte)'.') output.Add((byte)'.');
            output.Add(b);
            lineStart = b == (byte)'\n';
        }
        if (!lineStart) { output.Add((byte)'\r'); output.Add((byte)'\n'); }
        output.Add((byte)'.'); output.Add((byte)'\r'); output.Add((byte)'\n');
        return [.. output];
    }

    /// <summary>Writes <paramref name="seq"/> as 12 decimal digits at <see cref="SeqOffset"/> of <paramref name="copy"/>.</summary>
    public void StampSequence(Span<byte> copy, long seq)
    {
        var digits = copy.Slice(SeqOffset, SeqDigits);
        for (var i = SeqDigits - 1; i >= 0; i--)
        {
            digits[i] = (byte)('0' + (int)(seq % 10));
            seq /= 10;
        }
    }
}
