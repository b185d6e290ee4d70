using System.Text;
using MimeKit;

namespace SmarthostLab.Relay.Web;

/// <summary>
/// A stored message read as MIME (MimeKit) for the web page: its header fields decoded, its text and HTML bodies
/// (each at most <see cref="MaxBodyChars"/> characters) and its attachments' names. The page never parses MIME itself.
/// </summary>
public sealed record MessageParts(
    IReadOnlyList<HeaderField> Headers,
    string? Text,
    bool TextTruncated,
    string? Html,
    bool HtmlTruncated,
    IReadOnlyList<AttachmentInfo> Attachments,
    string? Problem)
{
    /// <summary>Characters of a text or HTML body served; the rest is cut (and said so).</summary>
    public const int MaxBodyChars = 1_000_000;

    /// <summary>Header fields listed at most.</summary>
    public const int MaxHeaders = 1_000;

    /// <summary>Inline images (cid:) of at most this many octets each are put into the HTML as data: URLs.</summary>
    public const int MaxInlineImage = 512 * 1024;

    /// <summary>Reads <paramref name="raw"/>; a message MimeKit cannot read gives its bytes as text and the problem.</summary>
    public static MessageParts Read(byte[] raw)
    {
        MimeMessage message;
        try
        {
            using var stream = new MemoryStream(raw, writable: false);
            message = MimeMessage.Load(stream);
        }
        catch (FormatException exception)
        {
            var (text, cut) = Bound(Encoding.UTF8.GetString(raw));
            return new MessageParts([], text, cut, null, false, [], exception.Message);
        }
        var headers = message.Headers.Take(MaxHeaders).Select(h => new HeaderField(h.Field, h.Value)).ToList();
        var (body, textCut) = Bound(message.TextBody);
        var (html, htmlCut) = Bound(message.HtmlBody is { } h2 ? InlineImages(message, h2) : null);
        var attachments = message.Attachments.Select(a => new AttachmentInfo(
            a is MimePart part ? part.FileName : (a as MessagePart)?.ContentType.Name, a.ContentType.MimeType)).ToList();
        return new MessageParts(headers, body, textCut, html, htmlCut, attachments, null);
    }

    private static (string? Text, bool Cut) Bound(string? text) =>
        text is { Length: > MaxBodyChars } ? (text[..MaxBodyChars], true) : (text, false);

    /// <summary>Replaces <c>cid:</c> references of small inline images by data: URLs (the page's frame allows no other source).</summary>
    private static string InlineImages(MimeMessage message, string html)
    {
        if (!html.Contains("cid:", StringComparison.OrdinalIgnoreCase)) return html;
        foreach (var part in message.BodyParts.OfType<MimePart>())
        {
            if (string.IsNullOrEmpty(part.ContentId) || !part.ContentType.MediaType.Equals("image", StringComparison.OrdinalIgnoreCase) || part.Content is null) continue;
            using var decoded = new MemoryStream();
            part.Content.DecodeTo(decoded);
            if (decoded.Length > MaxInlineImage) continue;
            var url = $"data:{part.ContentType.MimeType};base64,{Convert.ToBase64String(decoded.GetBuffer(), 0, (int)decoded.Length)}";
            html = html.Replace("cid:" + part.ContentId, url, StringComparison.OrdinalIgnoreCase);
        }
        return html;
    }
}

/// <summary>One header field, its value decoded (RFC 2047), in message order.</summary>
/// <param name="Name">The field name as written.</param>
/// <param name="Value">The value, unfolded and decoded.</param>
public sealed record HeaderField(string Name, string Value);

/// <summary>An attachment: its file name (if any) and MIME type.</summary>
/// <param name="FileName">The file name, or null.</param>
/// <param name="ContentType">e.g. application/pdf.</param>
public sealed record AttachmentInfo(string? FileName, string ContentType);
