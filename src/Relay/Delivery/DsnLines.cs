using System.Buffers;
using System.Text;

namespace SmarthostLab.Relay.Delivery;

/// <summary>
/// Line shaping for the DSN's text: values cleaned of control characters, and lines wrapped at spaces to
/// <see cref="Width"/> octets where the words allow and never longer than 998 octets (RFC 5322 2.1.1), so a
/// 5,000-character remote reply cannot produce an over-long line.
/// </summary>
internal static class DsnLines
{
    /// <summary>The line length aimed at (RFC 5322 2.1.1: SHOULD be no more than 78 characters).</summary>
    public const int Width = 78;

    /// <summary>
    /// The most octets of one word put on a line; a longer word is cut into pieces of this size (never inside a
    /// UTF-8 sequence). With the indent, a line stays well below the 998-octet limit.
    /// </summary>
    public const int MaxPiece = 900;

    /// <summary>
    /// Appends <paramref name="text"/> as one or more lines, each ending with CRLF. Words are separated by single
    /// spaces; a line is broken before a word that would pass <see cref="Width"/>, and the next line starts with
    /// <paramref name="indent"/>. For a header field the indent is one space, which stands for the space it
    /// replaces: unfolding (RFC 5322 2.2.3) gives back the value, except that a word cut into pieces gains a space
    /// at each cut.
    /// </summary>
    public static void AppendWrapped(StringBuilder builder, string text, string indent)
    {
        var lineOctets = 0;
        var lineHasWord = false;
        foreach (var word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var remaining = word.AsSpan();
            while (!remaining.IsEmpty)
            {
                var piece = remaining[..PieceLength(remaining)];
                var octets = Encoding.UTF8.GetByteCount(piece);
                if (lineHasWord && lineOctets + 1 + octets > Width)
                {
                    builder.Append("\r\n").Append(indent);
                    lineOctets = indent.Length;
                    lineHasWord = false;
                }
                if (lineHasWord)
                {
                    builder.Append(' ');
                    lineOctets++;
                }
                builder.Append(piece);
                lineOctets += octets;
                lineHasWord = true;
                remaining = remaining[piece.Length..];
            }
        }
        builder.Append("\r\n");
    }

    /// <summary>
    /// <paramref name="text"/> with each control character (CR and LF of a multi-line reply among them) turned into
    /// a space, so no value can break a line or a header; null stays null.
    /// </summary>
    public static string? Clean(string? text)
    {
        if (text is null || (!text.AsSpan().ContainsAnyInRange('\0', '\u001f') && !text.Contains('\u007f', StringComparison.Ordinal)))
            return text;
        return string.Create(text.Length, text, static (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
                span[i] = source[i] < ' ' || source[i] == '\u007f' ? ' ' : source[i];
        });
    }

    /// <summary>
    /// <paramref name="text"/> cleaned and with every non-ASCII character replaced by '?', for fields of the
    /// message/delivery-status part, which is ASCII (RFC 3464 2.1).
    /// </summary>
    public static string ToAscii(string text)
    {
        var clean = Clean(text)!;
        if (Ascii.IsValid(clean)) return clean;
        return string.Create(clean.Length, clean, static (span, source) =>
        {
            for (var i = 0; i < source.Length; i++)
                span[i] = source[i] < '\u0080' ? source[i] : '?';
        });
    }

    private static int PieceLength(ReadOnlySpan<char> word)
    {
        var octets = 0;
        var length = 0;
        while (length < word.Length)
        {
            var status = Rune.DecodeFromUtf16(word[length..], out var rune, out var consumed);
            var size = status == OperationStatus.Done ? rune.Utf8SequenceLength : 3;
            if (octets + size > MaxPiece) break;
            octets += size;
            length += consumed;
        }
        return length;
    }
}
