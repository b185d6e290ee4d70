using System.Text;
using MimeKit;
using SmarthostLab.Smtp.Session;

namespace SmarthostLab.Relay.Session;

/// <summary>The header fields the store indexes: Subject, Message-ID, From and every header as "Field: value" lines.</summary>
/// <param name="Subject">Decoded Subject.</param>
/// <param name="MessageId">Message-ID as written.</param>
/// <param name="From">Decoded From.</param>
/// <param name="Text">All headers, one "Field: value" line each (bounded).</param>
public sealed record HeaderSummary(string? Subject, string? MessageId, string? From, string Text)
{
    private const int MaxText = 64 * 1024;

    /// <summary>Parses only the header block of <paramref name="content"/> (MimeKit HeaderList).</summary>
    /// <exception cref="ParseException">The header block is malformed beyond recovery.</exception>
    public static HeaderSummary Parse(MessageContent content)
    {
        ArgumentNullException.ThrowIfNull(content);
        using var stream = content.OpenRead();
        return Of(HeaderList.Load(ParserOptions.Default, stream));
    }

    /// <summary>The summary of header fields already parsed (e.g. by verification).</summary>
    public static HeaderSummary Of(HeaderList headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var capacity = 0;
        foreach (var header in headers) capacity += header.Field.Length + header.RawValue.Length + 3;
        var text = new StringBuilder(Math.Min(capacity, MaxText + 1024));
        foreach (var header in headers)
        {
            if (text.Length > MaxText) break;
            text.Append(header.Field).Append(": ").Append(header.Value.AsSpan().Trim()).Append('\n');
        }
        return new HeaderSummary(
            headers[HeaderId.Subject]?.Trim(),
            headers[HeaderId.MessageId]?.Trim(),
            headers[HeaderId.From]?.Trim(),
            text.ToString());
    }
}
