using MimeKit;

namespace SmarthostLab.Verification;

/// <summary>Parses raw message bytes once with MimeKit (persistent: MIME parts reference the input, no copies).</summary>
internal static class MessageParsing
{
    /// <summary>Parses <paramref name="message"/> as an RFC 5322 message.</summary>
    /// <exception cref="FormatException">The bytes are not a message (no headers).</exception>
    public static MimeMessage Parse(ReadOnlyMemory<byte> message) => Parse(OpenRead(message));

    /// <summary>
    /// Parses a message from a seekable stream without copying its body: MIME parts keep offsets into
    /// <paramref name="message"/>, which must stay readable while the result is used.
    /// </summary>
    /// <exception cref="FormatException">The bytes are not a message (no headers).</exception>
    public static MimeMessage Parse(Stream message) =>
        new MimeParser(message, MimeFormat.Entity, persistent: true).ParseMessage();

    /// <summary>A read-only stream over <paramref name="message"/>, without a copy when it is an array's.</summary>
    public static MemoryStream OpenRead(ReadOnlyMemory<byte> message) =>
        System.Runtime.InteropServices.MemoryMarshal.TryGetArray(message, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false, publiclyVisible: true)
            : new MemoryStream(message.ToArray(), writable: false);
}
