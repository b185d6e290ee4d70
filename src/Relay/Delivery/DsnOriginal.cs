namespace SmarthostLab.Relay.Delivery;

/// <summary>
/// The returned part of the original message (RFC 3464 2.1, RFC 6522): its header block for
/// text/rfc822-headers, and the copy of either into the DSN with CRLF line endings.
/// </summary>
internal static class DsnOriginal
{
    /// <summary>The most octets of header block returned when the original has no empty line ending its headers.</summary>
    public const int MaxHeaderBlock = 64 * 1024;

    /// <summary>
    /// The header block of <paramref name="message"/>: up to and including the empty line that ends it. When there
    /// is no such line, all of the message if it is at most <see cref="MaxHeaderBlock"/> octets, else its complete
    /// lines within that bound (or the bound itself when not even one line ends within it).
    /// </summary>
    public static ReadOnlySpan<byte> HeaderBlock(ReadOnlySpan<byte> message)
    {
        var position = 0;
        while (position < message.Length)
        {
            var length = message[position..].IndexOf((byte)'\n');
            if (length < 0) break;
            var next = position + length + 1;
            if (next > MaxHeaderBlock) break;
            if (length == 0 || (length == 1 && message[position] == (byte)'\r')) return message[..next];
            position = next;
        }
        if (message.Length <= MaxHeaderBlock) return message;
        return position > 0 ? message[..position] : message[..MaxHeaderBlock];
    }

    /// <summary>True when <paramref name="content"/> holds an octet above 127, so its MIME part is 8bit (RFC 2045 2.8).</summary>
    public static bool IsEightBit(ReadOnlySpan<byte> content) => content.IndexOfAnyInRange((byte)0x80, (byte)0xFF) >= 0;

    /// <summary>
    /// Writes <paramref name="content"/> to <paramref name="output"/> as it is, except that a bare CR or bare LF
    /// (which a relay accepting bare LF may have stored) is written as CRLF, so the DSN is CRLF throughout. A
    /// stored message with CRLF line endings is copied octet for octet.
    /// </summary>
    public static void WriteCrlf(Stream output, ReadOnlySpan<byte> content)
    {
        while (!content.IsEmpty)
        {
            var end = content.IndexOfAny((byte)'\r', (byte)'\n');
            if (end < 0)
            {
                output.Write(content);
                return;
            }
            var crlf = content[end] == (byte)'\r' && end + 1 < content.Length && content[end + 1] == (byte)'\n';
            output.Write(content[..end]);
            output.Write("\r\n"u8);
            content = content[(end + (crlf ? 2 : 1))..];
        }
    }
}
