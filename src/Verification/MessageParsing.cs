using MimeKit;

namespace SmarthostLab.Verification;

/// <summary>Parses raw message bytes once with MimeKit (persistent: MIME parts reference the input, no copies).</summary>
internal static class MessageParsing
{
    /// <summary>Parses <paramref name="message"/> as an RFC 5322 message.</summary>
    /// <exception cref="FormatException">The bytes are not a message (no headers).</exception>
    public static MimeMessage Parse(ReadOnlyMemory<byte> message) =>
        new MimeParser(Open(message), MimeFormat.Entity, persistent: true).ParseMessage();

    /// <summary>Parses only the header section (enough for From and for deciding whether DKIM needs the body).</summary>
    /// <exception cref="FormatException">The bytes do not start with a header section.</exception>
    public static HeaderList ParseHeaders(ReadOnlyMemory<byte> message) =>
        new MimeParser(Open(message), MimeFormat.Entity, persistent: true).ParseHeaders();

    /// <summary>
    /// Parses a message from a seekable stream without copying its body: MIME parts keep offsets into
    /// <paramref name="message"/>, which must stay readable while the result is used.
    /// </summary>
    /// <exception cref="FormatException">The bytes are not a message (no headers).</exception>
    public static MimeMessage Parse(Stream message) =>
        new MimeParser(message, MimeFormat.Entity, persistent: true).ParseMessage();

    private static MemoryStream Open(ReadOnlyMemory<byte> message) =>
        System.Runtime.InteropServices.MemoryMarshal.TryGetArray(message, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false, publiclyVisible: true)
            : new MemoryStream(message.ToArray(), writable: false);
}
