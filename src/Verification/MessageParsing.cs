using MimeKit;

namespace SmarthostLab.Verification;

/// <summary>
/// Parses raw message bytes once: the header section with <see cref="HeaderSection"/> (linear in its size), the body
/// left where it lies and hashed from the bytes (see DkimBodyHash). No MimeKit message model is built.
/// </summary>
internal static class MessageParsing
{
    /// <summary>Parses <paramref name="message"/> as an RFC 5322 message.</summary>
    public static ParsedMessage Parse(ReadOnlyMemory<byte> message) =>
        new(HeaderSection.Parse(message.Span), OpenRead(message));

    /// <summary>
    /// Parses a message from a seekable stream, reading only its header section; the body is read later from
    /// <paramref name="message"/>, which must stay readable while the result is used.
    /// </summary>
    public static ParsedMessage Parse(Stream message)
    {
        HeaderSection.TryRead(message, long.MaxValue, out var section);
        return new ParsedMessage(section, message);
    }

    /// <summary>A message built or changed in memory, written as MimeKit writes it (CRLF line ends) and parsed again.</summary>
    public static ParsedMessage Serialize(MimeMessage message)
    {
        var bytes = new MemoryStream();
        message.WriteTo(CrlfFormat, bytes);
        bytes.Position = 0;
        return Parse(bytes);
    }

    /// <summary>A read-only stream over <paramref name="message"/>, without a copy when it is an array's.</summary>
    public static MemoryStream OpenRead(ReadOnlyMemory<byte> message) =>
        System.Runtime.InteropServices.MemoryMarshal.TryGetArray(message, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false, publiclyVisible: true)
            : new MemoryStream(message.ToArray(), writable: false);

    /// <summary>MimeKit's format options with CRLF line ends, as messages travel over SMTP (shared; do not change).</summary>
    public static readonly FormatOptions CrlfFormat = CreateCrlfFormat();

    private static FormatOptions CreateCrlfFormat()
    {
        var options = FormatOptions.Default.Clone();
        options.NewLineFormat = NewLineFormat.Dos;
        return options;
    }
}

/// <summary>A message's parsed header section with the bytes it was parsed from (the body is read from them).</summary>
/// <param name="Section">The header section.</param>
/// <param name="Bytes">The seekable stream of the raw message.</param>
internal sealed record ParsedMessage(HeaderSection Section, Stream Bytes)
{
    /// <summary>Every header field, in order (Content-* included).</summary>
    public IReadOnlyList<Header> Headers => Section.Headers;

    /// <summary>Where the body starts in <see cref="Bytes"/>: after the empty line that ends the headers.</summary>
    public long BodyOffset => Section.BodyOffset;
}
