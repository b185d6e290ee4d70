using System.Security.Cryptography;
using System.Text;
using MimeKit;
using Org.BouncyCastle.Crypto;
using SmarthostLab.Verification.Dns;

namespace SmarthostLab.Verification.Dkim;

/// <summary>
/// Verifies every DKIM-Signature header of a message (RFC 6376 6; ed25519-sha256 per RFC 8463) and
/// maps each outcome to a <see cref="DkimVerdict"/>: one entry per header, in header order, malformed
/// ones included as permerror. Keys are fetched through <see cref="IDnsResolver"/> concurrently;
/// the hashing is CPU work done on the caller's thread. Safe for concurrent use.
/// </summary>
/// <remarks>
/// Outcomes: pass; fail with "body hash mismatch" or "signature did not verify"; permerror for a
/// malformed signature, a missing/revoked/unusable key, a key shorter than 1024 bits ("key too short"),
/// or an expired signature (x= before now, RFC 6376 6.1.1 "signature expired"); temperror when the
/// key lookup times out or gets SERVFAIL. rsa-sha1 is verified and reported as "rsa-sha1".
/// </remarks>
public sealed class DkimSignatureVerifier
{
    /// <summary>Smallest RSA key accepted (RFC 8301 3.2).</summary>
    public const int MinimumRsaBits = 1024;

    /// <summary>
    /// Signatures checked per message (RFC 6376 6.1 lets verifiers limit the work); later ones are
    /// reported as neutral "not verified: more than 16 signatures".
    /// </summary>
    public const int MaxSignatures = 16;

    private readonly DkimKeyLookup _keys;
    private readonly TimeProvider _time;

    /// <summary>Creates a verifier.</summary>
    /// <param name="dns">Where keys come from.</param>
    /// <param name="time">Clock for x= expiry; default the system clock.</param>
    public DkimSignatureVerifier(IDnsResolver dns, TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(dns);
        _keys = new DkimKeyLookup(dns);
        _time = time ?? TimeProvider.System;
    }

    /// <summary>Verifies a raw message (parsed with MimeKit, CRLF or LF line ends).</summary>
    public async Task<IReadOnlyList<DkimVerdict>> VerifyAsync(ReadOnlyMemory<byte> message, CancellationToken cancellationToken = default)
    {
        var parsed = MessageParsing.Parse(message);
        return (await VerifyWithPrefixesAsync(parsed, cancellationToken).ConfigureAwait(false)).Verdicts;
    }

    /// <summary>
    /// Verifies every DKIM-Signature header of <paramref name="message"/>; empty when unsigned. The body is hashed
    /// as MimeKit writes the message (CRLF line ends), so verify the bytes as received where you have them.
    /// </summary>
    public async Task<IReadOnlyList<DkimVerdict>> VerifyAsync(MimeMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var parsed = MessageParsing.Serialize(message);
        return (await VerifyWithPrefixesAsync(parsed, cancellationToken).ConfigureAwait(false)).Verdicts;
    }

    /// <summary>
    /// The verdicts for <paramref name="parsed"/>, whose body is hashed from its bytes, and for each signature the first 8 characters
    /// of its b= (Authentication-Results header.b; null when b= is missing or the header is not a tag list).
    /// </summary>
    internal async Task<(IReadOnlyList<DkimVerdict> Verdicts, IReadOnlyList<string?> Prefixes)> VerifyWithPrefixesAsync(ParsedMessage parsed, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(parsed);
        var headers = parsed.Headers.Where(h => h.Id == HeaderId.DkimSignature).ToList();
        if (headers.Count == 0)
        {
            return ([], []);
        }

        // Parse all, start every key lookup, then check them one by one (the body hash and MimeKit's
        // parse read the one message stream, which has a single position).
        var signatures = new DkimSignatureHeader?[headers.Count];
        var verdicts = new DkimVerdict?[headers.Count];
        var prefixes = new string?[headers.Count];
        var lookups = new Task<DkimKeyLookup.Outcome>?[headers.Count];
        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        for (var i = 0; i < headers.Count; i++)
        {
            // The field as it came, not MimeKit's Value: that one is RFC 2047-decoded, and a tag-list is not text
            // (an unknown tag's value may look like an encoded word). Folding is white space the tag parser drops.
            var parsedOk = DkimSignatureHeader.TryParse(Encoding.UTF8.GetString(headers[i].RawValue), out var sig, out var partial, out var error);
            prefixes[i] = partial.SignaturePrefix;
            if (i >= MaxSignatures)
            {
                verdicts[i] = new DkimVerdict(DkimResult.Neutral, partial.Domain, partial.Selector, partial.Algorithm, $"not verified: more than {MaxSignatures} signatures", partial.Identity);
                continue;
            }

            if (!parsedOk)
            {
                verdicts[i] = new DkimVerdict(DkimResult.PermError, partial.Domain, partial.Selector, partial.Algorithm, error, partial.Identity);
                continue;
            }

            if (sig!.Expiration is { } x && x < now)
            {
                verdicts[i] = Verdict(sig, DkimResult.PermError, "signature expired");
                continue;
            }

            signatures[i] = sig;
            lookups[i] = _keys.LookupAsync(sig.Domain, sig.Selector, cancellationToken).AsTask();
        }

        var bodyHashes = new Dictionary<string, bool>(StringComparer.Ordinal);
        for (var i = 0; i < headers.Count; i++)
        {
            if (verdicts[i] is not null)
            {
                continue;
            }

            var sig = signatures[i]!;
            var outcome = await lookups[i]!.ConfigureAwait(false);
            verdicts[i] = outcome.Record is null
                ? Verdict(sig, outcome.Failure ?? DkimResult.PermError, outcome.Reason)
                : Check(parsed, headers[i], sig, outcome.Record, bodyHashes);
        }

        return (verdicts!, prefixes);
    }

    private DkimVerdict Check(ParsedMessage message, Header header, DkimSignatureHeader sig, DkimKeyRecord key, Dictionary<string, bool> bodyHashes)
    {
        if (key.IsRevoked)
        {
            return Verdict(sig, DkimResult.PermError, "key revoked");
        }

        if (key.KeyType != sig.KeyType)
        {
            return Verdict(sig, DkimResult.PermError, $"key type k={key.KeyType} does not match a={sig.AlgorithmText}");
        }

        if (!key.AllowsHash(sig.Hash))
        {
            return Verdict(sig, DkimResult.PermError, $"hash {sig.Hash} not allowed by key h=");
        }

        if (key.KeyType == "rsa" && key.KeyBits < MinimumRsaBits)
        {
            return Verdict(sig, DkimResult.PermError, $"key too short ({key.KeyBits} bits)");
        }

        if (key.IsStrict && sig.Identity is { } i && !i[(i.LastIndexOf('@') + 1)..].Equals(sig.Domain, StringComparison.OrdinalIgnoreCase))
        {
            return Verdict(sig, DkimResult.PermError, "i= domain differs from d= and the key has t=s");
        }

        try
        {
            var bodyKey = $"{sig.Hash}/{sig.BodyCanonicalization}/{sig.BodyLength}/{sig.BodyHash}";
            if (!bodyHashes.TryGetValue(bodyKey, out var bodyOk))
            {
                bodyOk = DkimCrypto.CheckBodyHash(message, sig);
                bodyHashes[bodyKey] = bodyOk;
            }

            if (!bodyOk)
            {
                return Verdict(sig, DkimResult.Fail, "body hash mismatch");
            }

            return DkimCrypto.CheckSignature(message.Headers, header, sig, key)
                ? Verdict(sig, DkimResult.Pass, null)
                : Verdict(sig, DkimResult.Fail, "signature did not verify");
        }
        catch (FormatException)
        {
            return Verdict(sig, DkimResult.PermError, "b= or bh= is not valid base64");
        }
        catch (Exception e) when (e is CryptoException or CryptographicException or ArgumentException or InvalidOperationException)
        {
            return Verdict(sig, DkimResult.Fail, "signature did not verify");
        }
    }

    private static DkimVerdict Verdict(DkimSignatureHeader sig, DkimResult result, string? reason) =>
        new(result, sig.Domain, sig.Selector, sig.AlgorithmText.ToLowerInvariant(), reason, sig.Identity);
}
