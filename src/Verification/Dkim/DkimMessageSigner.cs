using System.Security.Cryptography;
using System.Text;
using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;

namespace SmarthostLab.Verification.Dkim;

/// <summary>
/// Signs raw messages for one domain (RFC 6376 5; RFC 8463 for Ed25519) with relaxed/relaxed
/// canonicalization and returns the DKIM-Signature header field to prepend to the raw bytes, so the
/// stored message stays byte-exact below it. Safe for concurrent use.
/// </summary>
public sealed class DkimMessageSigner
{
    /// <summary>
    /// Header fields signed when present in the message (RFC 6376 5.4.1 recommendations).
    /// </summary>
    public static IReadOnlyList<string> DefaultHeaders { get; } =
    [
        "From", "To", "Cc", "Subject", "Date", "Message-ID", "Reply-To", "MIME-Version",
        "Content-Type", "Content-Transfer-Encoding", "In-Reply-To", "References",
    ];

    private readonly DkimSigningKey _key;
    private readonly TimeProvider _time;

    /// <summary>Creates a signer.</summary>
    /// <param name="key">The key, domain and selector.</param>
    /// <param name="time">Clock for t=; default the system clock.</param>
    public DkimMessageSigner(DkimSigningKey key, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(key);
        _key = key;
        _time = time ?? TimeProvider.System;
    }

    /// <summary>The key this signer uses.</summary>
    public DkimSigningKey Key => _key;

    /// <summary>
    /// Signs <paramref name="message"/> and returns the complete header field, <c>"DKIM-Signature: …\r\n"</c>,
    /// folded with CRLF, to prepend to the raw bytes.
    /// </summary>
    /// <exception cref="FormatException">The message cannot be parsed or has no From header (RFC 6376 5.4).</exception>
    public string Sign(ReadOnlyMemory<byte> message)
    {
        using var parsed = MessageParsing.ParseMessage(message); // MimeKit's signer needs its message model, nothing else
        if (!parsed.Headers.Contains(HeaderId.From))
        {
            throw new FormatException("a message without a From header cannot be DKIM-signed (RFC 6376 5.4)");
        }

        var present = DefaultHeaders.Where(h => parsed.Headers.Contains(h)).ToList();
        var signer = new TimedSigner(_key, _time)
        {
            HeaderCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
            BodyCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
        };
        signer.Sign(MessageParsing.CrlfFormat, parsed, present);

        var header = parsed.Headers.First(h => h.Id == HeaderId.DkimSignature);
        var raw = Encoding.ASCII.GetString(header.RawValue);
        var text = "DKIM-Signature:" + raw.ReplaceLineEndings("\r\n");
        return text.EndsWith("\r\n", StringComparison.Ordinal) ? text : text + "\r\n";
    }

    /// <summary>Signs and returns the header bytes followed by the original message.</summary>
    public byte[] SignAndPrepend(ReadOnlyMemory<byte> message)
    {
        var header = Encoding.ASCII.GetBytes(Sign(message));
        var output = new byte[header.Length + message.Length];
        header.CopyTo(output, 0);
        message.Span.CopyTo(output.AsSpan(header.Length));
        return output;
    }

    private sealed class TimedSigner(DkimSigningKey key, TimeProvider time)
        : DkimSigner(key.PrivateKey, key.Domain, key.Selector, key.KeyType == "ed25519" ? DkimSignatureAlgorithm.Ed25519Sha256 : DkimSignatureAlgorithm.RsaSha256)
    {
        protected override long GetTimestamp() => time.GetUtcNow().ToUnixTimeSeconds();

        /// <summary>rsa-sha256 through the platform RSA (same deterministic PKCS#1 v1.5 b=); Ed25519 stays on BouncyCastle.</summary>
        protected override ISigner CreateSigningContext() =>
            key.PlatformRsa is { } rsa && SignatureAlgorithm == DkimSignatureAlgorithm.RsaSha256
                ? new PlatformRsaSigner(rsa, HashAlgorithmName.SHA256)
                : base.CreateSigningContext();
    }
}
