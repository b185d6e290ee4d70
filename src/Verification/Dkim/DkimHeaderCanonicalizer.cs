using System.Buffers;
using System.Text;
using MimeKit;
using MimeKit.Cryptography;

namespace SmarthostLab.Verification.Dkim;

/// <summary>
/// The header part of the DKIM hash input (RFC 6376 3.7 steps 2 and 3): the fields named in h=
/// (each name taking the next instance from the bottom, RFC 6376 5.4.2; names not present skipped),
/// then the DKIM-Signature field itself with the b= value emptied and no trailing CRLF, in simple
/// (3.4.1) or relaxed (3.4.2) form. Works on MimeKit's parsed <see cref="Header"/>s the way
/// MimeKit's own verifier does (Content-* fields live on the body entity; bare LF counts as CRLF),
/// so it can feed the platform RSA where MimeKit offers no hook. Stateless.
/// </summary>
internal static class DkimHeaderCanonicalizer
{
    private static readonly byte[] CrLf = "\r\n"u8.ToArray();

    /// <summary>Appends the canonicalized signed header fields and signature field to <paramref name="output"/>.</summary>
    /// <exception cref="FormatException">The signature field has no b= tag.</exception>
    /// <param name="output">Where the hash input goes.</param>
    /// <param name="headers">Every header field of the message in order, Content-* included (a header block as parsed, not a MimeMessage's list).</param>
    /// <param name="signature">The DKIM-Signature field being verified.</param>
    /// <param name="signedHeaders">Its h= names.</param>
    /// <param name="canonicalization">Its header canonicalization.</param>
    public static void Write(IBufferWriter<byte> output, IReadOnlyList<Header> headers, Header signature, IReadOnlyList<string> signedHeaders, DkimCanonicalizationAlgorithm canonicalization)
    {
        ArgumentNullException.ThrowIfNull(output);
        ArgumentNullException.ThrowIfNull(headers);
        ArgumentNullException.ThrowIfNull(signature);
        ArgumentNullException.ThrowIfNull(signedHeaders);

        var used = new Dictionary<string, int>(StringComparer.OrdinalIgnoreCase);
        var byName = signedHeaders.Count * headers.Count > IndexFrom ? ByName(headers) : null;
        foreach (var name in signedHeaders)
        {
            used.TryGetValue(name, out var skip);
            var header = byName is null ? NthFromBottom(headers, name, skip)
                : byName.TryGetValue(name, out var named) && skip < named.Count ? named[named.Count - 1 - skip] : null;
            if (header is null)
            {
                continue;
            }

            used[name] = skip + 1;
            if (canonicalization == DkimCanonicalizationAlgorithm.Relaxed)
            {
                WriteRelaxed(output, header.Field, header.RawValue);
                output.Write(CrLf);
            }
            else
            {
                // The raw value carries the field's own line end.
                WriteSimple(output, header.RawField, header.RawValue);
            }
        }

        var value = TrimFinalNewLine(WithoutSignatureValue(signature.RawValue));
        if (canonicalization == DkimCanonicalizationAlgorithm.Relaxed)
        {
            WriteRelaxed(output, signature.Field, value);
        }
        else
        {
            WriteSimple(output, signature.RawField, value);
        }
    }

    /// <summary>
    /// Past this many name comparisons the fields are indexed by name first: a crafted h= of thousands of names over
    /// thousands of fields would otherwise cost their product, and the work per message must stay linear in its size.
    /// </summary>
    private const int IndexFrom = 4096;

    private static Dictionary<string, List<Header>> ByName(IReadOnlyList<Header> headers)
    {
        var byName = new Dictionary<string, List<Header>>(StringComparer.OrdinalIgnoreCase);
        foreach (var header in headers)
        {
            if (!byName.TryGetValue(header.Field, out var named)) byName[header.Field] = named = [];
            named.Add(header);
        }
        return byName;
    }

    private static Header? NthFromBottom(IReadOnlyList<Header> headers, string name, int skip)
    {
        for (var i = headers.Count - 1; i >= 0; i--)
        {
            if (headers[i].Field.Equals(name, StringComparison.OrdinalIgnoreCase) && skip-- == 0)
            {
                return headers[i];
            }
        }

        return null;
    }

    /// <summary>RFC 6376 3.4.2: lower-case name, no space around the colon, every WSP run (unfolded) one SP, none at either end.</summary>
    private static void WriteRelaxed(IBufferWriter<byte> output, string field, ReadOnlySpan<byte> value)
    {
        var name = output.GetSpan(Encoding.ASCII.GetMaxByteCount(field.Length) + 1);
        var written = Encoding.ASCII.GetBytes(field.ToLowerInvariant(), name);
        name[written] = (byte)':';
        output.Advance(written + 1);

        var i = 0;
        var words = 0;
        while (i < value.Length)
        {
            var spaceStart = i;
            while (i < value.Length && IsWhiteSpace(value[i]))
            {
                i++;
            }

            var wordStart = i;
            while (i < value.Length && !IsWhiteSpace(value[i]))
            {
                i++;
            }

            if (i == wordStart)
            {
                break; // trailing whitespace
            }

            if (wordStart > spaceStart && words > 0)
            {
                output.Write(" "u8);
            }

            output.Write(value[wordStart..i]);
            words++;
        }
    }

    /// <summary>RFC 6376 3.4.1: the field as it is, with MimeKit's line-end normalization (bare LF becomes CRLF).</summary>
    private static void WriteSimple(IBufferWriter<byte> output, byte[] rawField, ReadOnlySpan<byte> value)
    {
        WriteCrLfNormalized(output, rawField);
        output.Write(":"u8);
        WriteCrLfNormalized(output, value);
    }

    private static void WriteCrLfNormalized(IBufferWriter<byte> output, ReadOnlySpan<byte> data)
    {
        while (!data.IsEmpty)
        {
            var lf = data.IndexOf((byte)'\n');
            if (lf < 0)
            {
                output.Write(data);
                return;
            }

            if (lf > 0 && data[lf - 1] == '\r')
            {
                output.Write(data[..(lf + 1)]);
            }
            else
            {
                output.Write(data[..lf]);
                output.Write(CrLf);
            }

            data = data[(lf + 1)..];
        }
    }

    /// <summary>The raw value with the b= tag's value removed (RFC 6376 3.7: "treated as the empty string").</summary>
    private static byte[] WithoutSignatureValue(byte[] raw)
    {
        var i = 0;
        while (i < raw.Length)
        {
            while (i < raw.Length && IsWhiteSpace(raw[i]))
            {
                i++;
            }

            var nameStart = i;
            while (i < raw.Length && raw[i] != '=' && raw[i] != ';')
            {
                i++;
            }

            if (i < raw.Length && raw[i] == '=' && IsTagB(raw.AsSpan(nameStart, i - nameStart)))
            {
                var valueStart = i + 1;
                var valueEnd = valueStart;
                while (valueEnd < raw.Length && raw[valueEnd] != ';')
                {
                    valueEnd++;
                }

                // Keep the field's own line end when b= is the last tag.
                if (valueEnd == raw.Length)
                {
                    valueEnd = raw.Length - TrailingNewLineLength(raw);
                    valueEnd = Math.Max(valueEnd, valueStart);
                }

                return [.. raw.AsSpan(0, valueStart), .. raw.AsSpan(valueEnd)];
            }

            while (i < raw.Length && raw[i] != ';')
            {
                i++;
            }

            i++;
        }

        throw new FormatException("DKIM-Signature has no b= tag");
    }

    private static bool IsTagB(ReadOnlySpan<byte> name)
    {
        var trimmed = name.TrimEnd(" \t\r\n"u8);
        return trimmed.Length == 1 && trimmed[0] == 'b';
    }

    private static ReadOnlySpan<byte> TrimFinalNewLine(ReadOnlySpan<byte> value) => value[..^TrailingNewLineLength(value)];

    private static int TrailingNewLineLength(ReadOnlySpan<byte> value) =>
        value.EndsWith("\r\n"u8) ? 2 : value.EndsWith("\n"u8) ? 1 : 0;

    private static bool IsWhiteSpace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n';
}
