using System.Security.Cryptography;
using System.Text;
using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto.Parameters;
using Org.BouncyCastle.Math.EC.Rfc8032;

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

    private const string FieldName = "DKIM-Signature";
    private const int MaxLineLength = 78; // MimeKit's FormatOptions.MaxLineLength

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
    /// <exception cref="FormatException">The message has no From header (RFC 6376 5.4).</exception>
    public string Sign(ReadOnlyMemory<byte> message) => Sign(MessageParsing.Parse(message));

    /// <summary>
    /// Signs the message whose header section is <paramref name="headers"/> (fields as they will be stored below the
    /// signature) and whose body is read from <paramref name="message"/> at <see cref="HeaderSection.BodyOffset"/>.
    /// CPU linear in the message's size: the body is hashed as it lies, the fields are not parsed again.
    /// </summary>
    /// <exception cref="FormatException">The message has no From header (RFC 6376 5.4).</exception>
    public string Sign(HeaderSection headers, Stream message)
    {
        ArgumentNullException.ThrowIfNull(headers);
        ArgumentNullException.ThrowIfNull(message);
        return Sign(new ParsedMessage(headers, message));
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

    /// <summary>
    /// RFC 6376 5: relaxed/relaxed, the fields of <see cref="DefaultHeaders"/> present, the body hash, then the
    /// header hash over them and this field with an empty b=, signed with RSASSA-PKCS1-v1_5 (platform RSA) or
    /// Ed25519 over the SHA-256 hash (RFC 8463 3).
    /// </summary>
    private string Sign(ParsedMessage message)
    {
        var headers = message.Headers;
        var names = headers.Select(h => h.Field).ToHashSet(StringComparer.OrdinalIgnoreCase);
        if (!names.Contains("From"))
        {
            throw new FormatException("a message without a From header cannot be DKIM-signed (RFC 6376 5.4)");
        }

        var present = DefaultHeaders.Where(names.Contains).Select(h => h.ToLowerInvariant()).ToList(); // lower case, as MimeKit's signer writes h=
        Span<byte> bodyHash = stackalloc byte[SHA256.HashSizeInBytes];
        DkimBodyHash.Compute(message.Bytes, message.BodyOffset, DkimCanonicalizationAlgorithm.Relaxed, -1, HashAlgorithmName.SHA256, bodyHash);

        var tags = $"v=1; a={_key.Algorithm}; d={_key.Domain}; s={_key.Selector}; c=relaxed/relaxed; " +
            $"t={_time.GetUtcNow().ToUnixTimeSeconds()}; h={string.Join(':', present)}; bh={Convert.ToBase64String(bodyHash)}; b=";
        var unsigned = HeaderSection.Parse(Encoding.ASCII.GetBytes(FieldName + ":" + Fold(tags) + "\r\n")).Headers[0];
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        DkimCrypto.HeaderHash(headers, unsigned, present, DkimCanonicalizationAlgorithm.Relaxed, HashAlgorithmName.SHA256, hash);
        return FieldName + ":" + Fold(tags + Convert.ToBase64String(SignHash(hash))) + "\r\n";
    }

    private byte[] SignHash(ReadOnlySpan<byte> hash)
    {
        if (_key.PlatformRsa is { } rsa) return rsa.SignHash(hash, HashAlgorithmName.SHA256);
        var signature = new byte[Ed25519.SignatureSize];
        ((Ed25519PrivateKeyParameters)_key.PrivateKey).Sign(Ed25519.Algorithm.Ed25519, null, hash.ToArray(), 0, hash.Length, signature, 0);
        return signature;
    }

    /// <summary>
    /// The tag list folded as MimeKit folds a DKIM-Signature (so a signature reads as MimeKit's signer wrote it): a tag
    /// per fold where it would pass column 78, bh= and b= each on a line of their own, a longer h= folded between its
    /// names and a longer value cut into lines (RFC 6376 3.5 allows FWS in both). Lines after the first start with a tab.
    /// </summary>
    private static string Fold(string value)
    {
        var folded = new StringBuilder(value.Length + 32);
        var lineLength = FieldName.Length + 1;
        var tags = value.Split(';', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        for (var t = 0; t < tags.Length; t++)
        {
            var name = tags[t][..Math.Max(tags[t].IndexOf('=', StringComparison.Ordinal), 0)];
            var token = string.Concat(tags[t].Where(c => !char.IsWhiteSpace(c))) + (t < tags.Length - 1 ? ";" : "");
            if (lineLength + token.Length + 1 > MaxLineLength || name is "bh" or "b") NewLine(folded, ref lineLength);
            else
            {
                folded.Append(' ');
                lineLength++;
            }
            if (token.Length <= MaxLineLength)
            {
                folded.Append(token);
                lineLength += token.Length;
            }
            else if (name == "h")
            {
                var names = token.Split(':');
                for (var i = 0; i < names.Length; i++)
                {
                    if (i > 0)
                    {
                        folded.Append(':');
                        lineLength++;
                    }
                    if (lineLength + names[i].Length + 1 > MaxLineLength) NewLine(folded, ref lineLength);
                    folded.Append(names[i]);
                    lineLength += names[i].Length;
                }
            }
            else
            {
                for (var rest = token.AsSpan(); ;)
                {
                    var take = Math.Min(MaxLineLength - lineLength, rest.Length);
                    folded.Append(rest[..take]);
                    lineLength += take;
                    rest = rest[take..];
                    if (rest.IsEmpty) break;
                    NewLine(folded, ref lineLength);
                }
            }
        }
        return folded.ToString();
    }

    private static void NewLine(StringBuilder folded, ref int lineLength)
    {
        folded.Append("\r\n\t");
        lineLength = 1;
    }
}
