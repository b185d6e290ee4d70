using MimeKit;

namespace SmarthostLab.Verification;

/// <summary>Parses raw message bytes once with MimeKit (persistent: MIME parts reference the input, no copies).</summary>
internal static class MessageParsing
{
    /// <summary>Parses <paramref name="message"/> as an RFC 5322 message.</summary>
    /// <exception cref="FormatException">The bytes are not a message (no headers).</exception>
    public static ParsedMessage Parse(ReadOnlyMemory<byte> message) => Parse(OpenRead(message));

    /// <summary>
    /// Parses a message from a seekable stream without copying its body: MIME parts keep offsets into
    /// <paramref name="message"/>, which must stay readable while the result is used.
    /// </summary>
    /// <exception cref="FormatException">The bytes are not a message (no headers).</exception>
    public static ParsedMessage Parse(Stream message)
    {
        // Only the header block is parsed here (the body is hashed from the bytes, see DkimBodyHash); a MimeMessage,
        // with its parts, content types and address lists, is built only when something asks for it.
        // One parser per thread, reset for each message: a MimeParser allocates about 5 KB of buffers. Parsing is
        // synchronous, so no other message can reach this thread's parser in between; the stream is let go after.
        var start = SkipMboxFromLine(message);
        var parser = Parser(message);
        try
        {
            var headers = parser.ParseHeaders();
            return new ParsedMessage(headers, message, start, parser.Position);
        }
        finally
        {
            parser.SetStream(Stream.Null, MimeFormat.Entity, persistent: false);
        }
    }

    /// <summary>
    /// Moves past a leading mbox separator line ("From …" or ">From …"), as MimeKit's message parser does and its
    /// header parser does not, and returns where the message proper starts (the stream is left there).
    /// </summary>
    private static long SkipMboxFromLine(Stream message)
    {
        var start = message.Position;
        Span<byte> head = stackalloc byte[1000];
        var read = message.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        var text = head[..read];
        var lineEnd = text.IndexOf((byte)'\n');
        var from = text.StartsWith("From "u8) || text.StartsWith(">From "u8);
        message.Position = from && lineEnd >= 0 ? start + lineEnd + 1 : start;
        return message.Position;
    }

    /// <summary>
    /// The whole message as MimeKit parses it, a leading mbox From line skipped as <see cref="Parse(Stream)"/> skips it,
    /// for work that needs MimeKit's message model only (signing). Parts refer to <paramref name="message"/>; dispose it.
    /// </summary>
    /// <exception cref="FormatException">The bytes are not a message.</exception>
    public static MimeMessage ParseMessage(ReadOnlyMemory<byte> message)
    {
        var stream = OpenRead(message);
        return ParseMessage(stream, SkipMboxFromLine(stream));
    }

    /// <summary>The whole message as MimeKit parses it, from <paramref name="start"/> (persistent: parts refer to the stream).</summary>
    public static MimeMessage ParseMessage(Stream message, long start)
    {
        message.Position = start;
        var parser = Parser(message);
        try
        {
            return parser.ParseMessage();
        }
        finally
        {
            parser.SetStream(Stream.Null, MimeFormat.Entity, persistent: false);
        }
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

    [ThreadStatic]
    private static MimeParser? t_parser;

    private static MimeParser Parser(Stream message)
    {
        var parser = t_parser ??= new MimeParser(Stream.Null, MimeFormat.Entity);
        parser.SetStream(message, MimeFormat.Entity, persistent: true);
        return parser;
    }

    private static FormatOptions CreateCrlfFormat()
    {
        var options = FormatOptions.Default.Clone();
        options.NewLineFormat = NewLineFormat.Dos;
        return options;
    }
}

/// <summary>
/// A message's header block, parsed, with the bytes it was parsed from. <see cref="Message"/> parses the whole
/// message with MimeKit on first use (Ed25519 verification and signing go through MimeKit). Dispose it when done:
/// MimeKit's message and parts have finalizers, so an undisposed message survives a garbage collection and its
/// whole object graph is promoted. Disposing leaves <see cref="Bytes"/> open and <see cref="Headers"/> readable.
/// </summary>
internal sealed class ParsedMessage(HeaderList headers, Stream bytes, long start, long bodyOffset) : IDisposable
{
    private MimeMessage? _message;

    /// <summary>Every header field, in order (Content-* included; MimeKit's message would move those to its body).</summary>
    public HeaderList Headers => headers;

    /// <summary>The seekable stream of the raw message.</summary>
    public Stream Bytes => bytes;

    /// <summary>Where the body starts in <see cref="Bytes"/>: after the empty line that ends the headers.</summary>
    public long BodyOffset => bodyOffset;

    /// <summary>The whole message as MimeKit parses it; its parts refer to <see cref="Bytes"/>.</summary>
    /// <exception cref="FormatException">MimeKit cannot parse the message.</exception>
    public MimeMessage Message => _message ??= MessageParsing.ParseMessage(bytes, start);

    /// <inheritdoc />
    public void Dispose() => _message?.Dispose();
}
