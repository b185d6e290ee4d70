namespace SmarthostLab.Smtp.Client;

/// <summary>
/// Dot-stuffing for DATA (RFC 5321 4.5.2), incremental and without allocation: copies the content into an output
/// span, doubling a '.' that begins a line, and chooses the end-of-data marker. A line begins at the start of the
/// content and after every LF: after CRLF as the RFC says, and after a bare LF too, so that a next hop which ends lines
/// at a bare LF never reads a "." line inside the content as the end of data (SMTP smuggling). Well-formed content
/// (CRLF only) arrives exactly; content with a bare LF followed by '.' keeps an extra '.' at a strict receiver.
/// </summary>
internal struct DotStuffer
{
    private bool _inLine;
    private bool _any;
    private byte _previous;
    private byte _last;

    /// <summary>Ready for a new message.</summary>
    public void Reset() => this = default;

    /// <summary>
    /// The octets that end the data: ".\r\n" after content ending with CRLF (or no content at all), else
    /// "\r\n.\r\n" (the content gets the CRLF it lacked).
    /// </summary>
    public readonly ReadOnlySpan<byte> Terminator => !_any || (_previous == '\r' && _last == '\n') ? ".\r\n"u8 : "\r\n.\r\n"u8;

    /// <summary>
    /// Copies from <paramref name="input"/> to <paramref name="output"/>, stuffing, until either runs out.
    /// With at least two octets of room, at least one input octet is consumed.
    /// </summary>
    public void Stuff(ReadOnlySpan<byte> input, Span<byte> output, out int consumed, out int written)
    {
        consumed = 0;
        written = 0;
        while (consumed < input.Length && written < output.Length)
        {
            if (!_inLine && input[consumed] == '.')
            {
                if (output.Length - written < 2) break;
                output[written++] = (byte)'.';
                output[written++] = (byte)'.';
                consumed++;
                _inLine = true;
                continue;
            }

            var room = Math.Min(input.Length - consumed, output.Length - written);
            var chunk = input.Slice(consumed, room);
            var lf = chunk.IndexOf((byte)'\n');
            var take = lf < 0 ? room : lf + 1;
            chunk[..take].CopyTo(output[written..]);
            consumed += take;
            written += take;
            _inLine = lf < 0;
        }

        if (consumed == 0) return;
        _previous = consumed >= 2 ? input[consumed - 2] : _last;
        _last = input[consumed - 1];
        _any = true;
    }
}
