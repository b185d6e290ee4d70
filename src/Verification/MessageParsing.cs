using MimeKit;

namespace SmarthostLab.Verification;

/// <summary>Parses raw message bytes once with MimeKit (persistent: MIME parts reference the input, no copies).</summary>
internal static class MessageParsing
{
    /// <summary>Parses <paramref name="message"/> as an RFC 5322 message.</summary>
    /// <exception cref="FormatException">The bytes are not a message (no headers).</exception>
    public static MimeMessage Parse(ReadOnlyMemory<byte> message)
    {
        var stream = System.Runtime.InteropServices.MemoryMarshal.TryGetArray(message, out var segment)
            ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false, publiclyVisible: true)
            : new MemoryStream(message.ToArray(), writable: false);
        var parser = new MimeParser(stream, MimeFormat.Entity, persistent: true);
        return parser.ParseMessage();
    }
}
