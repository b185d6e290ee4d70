using System.Security.Cryptography;
using System.Text;

namespace SmarthostLab.Testing;

/// <summary>A new RSA-2048 DKIM key: its private key as PEM, and its public key as a zone's TXT record (RFC 6376 3.6.1).</summary>
/// <param name="PrivateKeyPem">PKCS#8 PEM.</param>
/// <param name="ZoneText">A one-record zone: <c>selector._domainkey.domain. IN TXT "v=DKIM1; k=rsa; p=…"</c>.</param>
internal sealed record DkimTestKey(string PrivateKeyPem, string ZoneText)
{
    /// <summary>TXT character-strings hold at most 255 octets (RFC 1035 3.3.14); longer text is split over several.</summary>
    private const int MaxStringLength = 255;

    public static DkimTestKey Create(string domain, string selector)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(domain);
        ArgumentException.ThrowIfNullOrWhiteSpace(selector);
        using var rsa = RSA.Create(2048);
        var record = "v=DKIM1; k=rsa; p=" + Convert.ToBase64String(rsa.ExportSubjectPublicKeyInfo());
        var zone = new StringBuilder().Append(selector).Append("._domainkey.").Append(domain.TrimEnd('.')).Append(". 300 IN TXT (");
        for (var at = 0; at < record.Length; at += MaxStringLength)
            zone.Append(" \"").Append(record.AsSpan(at, Math.Min(MaxStringLength, record.Length - at))).Append('"');
        zone.Append(" )\n");
        return new DkimTestKey(rsa.ExportPkcs8PrivateKeyPem(), zone.ToString());
    }
}
