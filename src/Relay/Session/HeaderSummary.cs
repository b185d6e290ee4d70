using System.Buffers;
using System.Text;
using MimeKit;

namespace SmarthostLab.Relay.Session;

/// <summary>The header fields the store indexes: Subject, Message-ID, From and every header as "Field: value" lines.</summary>
/// <param name="Subject">Decoded Subject.</param>
/// <param name="MessageId">Message-ID as written.</param>
/// <param name="From">Decoded From.</param>
/// <param name="Text">All headers, one "Field: value" line each (bounded).</param>
public sealed record HeaderSummary(string? Subject, string? MessageId, string? From, string Text)
{
    private const int MaxText = 64 * 1024;

    /// <summary>The summary of header fields parsed once for the message (see <c>HeaderSection</c>).</summary>
    public static HeaderSummary Of(IReadOnlyList<Header> headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var capacity = 0;
        Header? subject = null, messageId = null, from = null;
        foreach (var header in headers)
        {
            capacity += header.Field.Length + header.RawValue.Length + 3;
            // The first of each, as MimeKit's HeaderList answers headers[id].
            switch (header.Id)
            {
                case HeaderId.Subject: subject ??= header; break;
                case HeaderId.MessageId: messageId ??= header; break;
                case HeaderId.From: from ??= header; break;
            }
        }
        var text = new StringBuilder(Math.Min(capacity, MaxText + 1024));
        foreach (var header in headers)
        {
            if (text.Length > MaxText) break;
            text.Append(header.Field).Append(": ");
            AppendValue(text, header);
            text.Append('\n');
        }
        return new HeaderSummary(subject?.Value.Trim(), messageId?.Value.Trim(), from?.Value.Trim(), text.ToString());
    }

    /// <summary>
    /// The unfolded, trimmed value. Plain ASCII without encoded-words (most headers) is copied from the raw bytes with
    /// its line breaks dropped, which is what MimeKit's decoded <see cref="Header.Value"/> gives for it, without
    /// building that string for every header of every message; anything else is decoded by MimeKit.
    /// </summary>
    private static void AppendValue(StringBuilder text, Header header)
    {
        var raw = header.RawValue.AsSpan().Trim(" \t\r\n\v\f"u8); // the ASCII white space string.Trim removes
        if (!Ascii.IsValid(raw) || raw.IndexOf("=?"u8) >= 0)
        {
            text.Append(header.Value.AsSpan().Trim());
            return;
        }

        var chars = ArrayPool<char>.Shared.Rent(raw.Length);
        try
        {
            Ascii.ToUtf16(raw, chars, out var length);
            var rest = chars.AsSpan(0, length);
            int lineBreak;
            while ((lineBreak = rest.IndexOfAny('\r', '\n')) >= 0)
            {
                text.Append(rest[..lineBreak]);
                rest = rest[(lineBreak + 1)..];
            }
            text.Append(rest);
        }
        finally
        {
            ArrayPool<char>.Shared.Return(chars);
        }
    }
}
