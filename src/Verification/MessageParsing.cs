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
        // One parser per thread, reset for each message: a MimeParser allocates about 5 KB of buffers. Parsing is
        // synchronous, so no other message can reach this thread's parser in between; the stream is let go after.
        var parser = t_parser ??= new BodyOffsetParser();
        parser.SetStream(message, MimeFormat.Entity, persistent: true);
        parser.BodyOffset = -1;
        try
        {
            var parsed = parser.ParseMessage();
            return new ParsedMessage(parsed, message, parser.BodyOffset >= 0 ? parser.BodyOffset : message.Length);
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

    private static readonly FormatOptions CrlfFormat = CreateCrlfFormat();

    [ThreadStatic]
    private static BodyOffsetParser? t_parser;

    private static FormatOptions CreateCrlfFormat()
    {
        var options = FormatOptions.Default.Clone();
        options.NewLineFormat = NewLineFormat.Dos;
        return options;
    }

    /// <summary>Records where the outermost message's body starts (a nested message/rfc822 ends before it).</summary>
    private sealed class BodyOffsetParser() : MimeParser(Stream.Null, MimeFormat.Entity)
    {
        public long BodyOffset { get; set; }

        protected override void OnMimeMessageEnd(MimeMessageEndEventArgs args)
        {
            base.OnMimeMessageEnd(args);
            BodyOffset = args.HeadersEndOffset;
        }
    }
}

/// <summary>
/// A parsed message with the bytes it was parsed from. Dispose it when done: MimeKit's message and parts have
/// finalizers, so an undisposed message survives a garbage collection and its whole object graph is promoted
/// (with one message per SMTP transaction, that was most of what each of the relay's collections copied).
/// Disposing leaves <see cref="Bytes"/> open and the parsed header list readable.
/// </summary>
/// <param name="Message">The MimeKit message; its parts refer to <paramref name="Bytes"/>.</param>
/// <param name="Bytes">The seekable stream of the raw message.</param>
/// <param name="BodyOffset">Where the body starts in <paramref name="Bytes"/>: after the empty line that ends the headers.</param>
internal sealed record ParsedMessage(MimeMessage Message, Stream Bytes, long BodyOffset) : IDisposable
{
    /// <inheritdoc />
    public void Dispose() => Message.Dispose();
}
