using System.Buffers;
using MimeKit;

namespace SmarthostLab.Verification;

/// <summary>
/// The header section of a message (RFC 5322 2.1: header fields up to the first empty line), parsed in one
/// linear pass into MimeKit <see cref="Header"/>s, kept in a plain list (a MimeKit HeaderList subscribes to every field's
/// change event, which doubled the memory of a section of many small fields). MimeKit's own parser grows its buffer for one field 64
/// octets at a time, so a field folded over many lines costs time quadratic in its length (40,000
/// continuation lines took seconds); this one copies each field once. Fields are what MimeKit's parser makes
/// of the same octets: the raw name up to the colon and the raw value after it, line ends and folding
/// included; a later line that is not a field (no colon, a space inside the name) becomes an invalid field
/// of its own; leading mbox "From " lines are skipped. A message whose first line is not a header field has
/// no header section (<see cref="IsPresent"/> false): all of it is body, as MimeKit's parser refuses it.
/// </summary>
public sealed class HeaderSection
{
    private const int FirstRead = 4096;

    private HeaderSection(IReadOnlyList<Header> headers, long start, long bodyOffset, long length, bool present)
    {
        Headers = headers;
        Start = start;
        BodyOffset = bodyOffset;
        Length = length;
        IsPresent = present;
    }

    /// <summary>Every header field in order (Content-* included).</summary>
    public IReadOnlyList<Header> Headers { get; }

    /// <summary>Stream position of the first header field (after leading mbox "From " lines).</summary>
    public long Start { get; }

    /// <summary>Stream position of the body: after the empty line that ends the header section, the end of the message without one, <see cref="Start"/> without a header section.</summary>
    public long BodyOffset { get; }

    /// <summary>The size a limit applies to: octets before the empty line that ends the section (all of them without one; 0 without a section), counted from where reading began.</summary>
    public long Length { get; }

    /// <summary>False when the message has no header section: its first line is not a header field (no colon, white space in or before the name), so all of it is body.</summary>
    public bool IsPresent { get; }

    /// <summary>The same section with other fields (e.g. a signature added, forged fields removed); offsets unchanged.</summary>
    public HeaderSection WithHeaders(IReadOnlyList<Header> headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        return new HeaderSection(headers, Start, BodyOffset, Length, IsPresent);
    }

    /// <summary>Parses the header section of <paramref name="message"/>, without a size limit.</summary>
    public static HeaderSection Parse(ReadOnlySpan<byte> message)
    {
        TryScan(message, isEnd: true, out var bounds);
        return Build(message, bounds, origin: 0);
    }

    /// <summary>
    /// Reads and parses the header section of <paramref name="message"/> from its current position, reading no
    /// more than the section and a little of what follows. False, and no section, when the section holds more than
    /// <paramref name="maxSize"/> octets: those before the empty line that ends it, counted from the current position
    /// (all of them without an empty line; none without a section). No field is parsed then. The stream is left at
    /// an unspecified position.
    /// </summary>
    public static bool TryRead(Stream message, long maxSize, out HeaderSection section)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentOutOfRangeException.ThrowIfNegative(maxSize);
        var origin = message.Position;
        // Past maxSize octets of fields the section may still end with an empty line of 2: beyond that it is too large.
        var cap = maxSize >= Array.MaxLength - 2 ? Array.MaxLength : (int)maxSize + 2;
        var buffer = ArrayPool<byte>.Shared.Rent(Math.Min(FirstRead, cap));
        try
        {
            var filled = 0;
            while (true)
            {
                // Fill the buffer (or reach the end) before scanning, and double it for the next pass: each octet is
                // scanned a bounded number of times however the stream splits its reads.
                var room = Math.Min(buffer.Length, cap);
                int read;
                while (filled < room && (read = message.Read(buffer, filled, room - filled)) > 0) filled += read;
                var isEnd = filled < room;
                var octets = buffer.AsSpan(0, filled);
                if (TryScan(octets, isEnd, out var bounds))
                {
                    var fits = bounds.Length <= maxSize;
                    section = fits ? Build(octets, bounds, origin) : null!;
                    return fits;
                }
                if (filled >= cap)
                {
                    section = null!;
                    return false;
                }
                buffer = Grow(buffer, filled, cap);
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }

    private static byte[] Grow(byte[] buffer, int filled, int cap)
    {
        var bigger = ArrayPool<byte>.Shared.Rent((int)Math.Min((long)buffer.Length * 2, cap));
        buffer.AsSpan(0, filled).CopyTo(bigger);
        ArrayPool<byte>.Shared.Return(buffer);
        return bigger;
    }

    /// <summary>Where the fields start, where the body starts, the octets before the empty line (or all), and whether there is a section.</summary>
    private readonly record struct Bounds(int Start, int BodyOffset, int Length, bool Present);

    /// <summary>
    /// Finds the section's bounds in one pass over the lines. False when the octets end inside the section and
    /// <paramref name="isEnd"/> says more may follow.
    /// </summary>
    private static bool TryScan(ReadOnlySpan<byte> message, bool isEnd, out Bounds bounds)
    {
        bounds = default;
        var start = 0;
        var pos = 0;
        var present = false;
        while (true)
        {
            var newline = message[pos..].IndexOf((byte)'\n');
            if (newline < 0 && !isEnd) return false;
            var lineEnd = newline < 0 ? message.Length : pos + newline + 1;
            var line = message[pos..lineEnd];
            if (line.IsEmpty)
            {
                bounds = new Bounds(start, pos, present ? pos : 0, present); // the end of the message
                return true;
            }
            if (line.SequenceEqual("\n"u8) || line.SequenceEqual("\r\n"u8))
            {
                bounds = new Bounds(start, lineEnd, pos, true); // the empty line (first of all: an empty section)
                return true;
            }
            if (!present)
            {
                // A field first ("From : x" is one, as MimeKit's parser reads it); else an mbox separator is skipped.
                if (IsFieldStart(line))
                {
                    present = true;
                }
                else if (IsMboxSeparator(line))
                {
                    start = lineEnd;
                }
                else
                {
                    bounds = new Bounds(start, start, 0, false);
                    return true;
                }
            }
            pos = lineEnd;
        }
    }

    /// <summary>The fields within <paramref name="bounds"/>: each starts at a line that does not start with white space.</summary>
    private static HeaderSection Build(ReadOnlySpan<byte> message, Bounds bounds, long origin)
    {
        var fields = new List<Header>();
        if (bounds.Present)
        {
            var fieldStart = bounds.Start;
            var pos = bounds.Start;
            var end = bounds.Length;
            while (pos < end)
            {
                var newline = message[pos..end].IndexOf((byte)'\n');
                var lineEnd = newline < 0 ? end : pos + newline + 1;
                if (pos > fieldStart && message[pos] is not ((byte)' ' or (byte)'\t'))
                {
                    fields.Add(Field(message[fieldStart..pos]));
                    fieldStart = pos;
                }
                pos = lineEnd;
            }
            if (end > fieldStart) fields.Add(Field(message[fieldStart..end]));
        }
        return new HeaderSection(fields, origin + bounds.Start, origin + bounds.BodyOffset, bounds.Length, bounds.Present);
    }

    /// <summary>RFC 5322 3.6.8 (and 4.5's obsolete white space before the colon): 1*ftext *WSP ":".</summary>
    private static bool IsFieldStart(ReadOnlySpan<byte> line)
    {
        var name = NameLength(line);
        if (name == 0) return false;
        var colon = line[name..].IndexOfAnyExcept((byte)' ', (byte)'\t');
        return colon >= 0 && line[name + colon] == (byte)':';
    }

    /// <summary>A field: valid, its name (and white space) before the colon and the rest as its value; else invalid, all of it the name, as MimeKit keeps it.</summary>
    private static Header Field(ReadOnlySpan<byte> raw)
    {
        var name = NameLength(raw); // may be 0 here: ": value" is a field with an empty name to MimeKit, after the first
        var colon = raw[name..].IndexOfAnyExcept((byte)' ', (byte)'\t');
        if (colon >= 0 && raw[name + colon] == (byte)':')
        {
            colon += name;
            return new ParsedField(raw[..colon].ToArray(), raw[(colon + 1)..].ToArray(), invalid: false);
        }
        return new ParsedField(raw.ToArray(), [], invalid: true);
    }

    /// <summary>Octets of ftext (printable US-ASCII but colon, RFC 5322 3.6.8) at the start of <paramref name="line"/>.</summary>
    private static int NameLength(ReadOnlySpan<byte> line)
    {
        var end = line.IndexOfAnyExceptInRange((byte)33, (byte)126);
        var name = end < 0 ? line.Length : end;
        var colon = line[..name].IndexOf((byte)':');
        return colon < 0 ? name : colon;
    }

    private static bool IsMboxSeparator(ReadOnlySpan<byte> line) => line.StartsWith("From "u8) || line.StartsWith(">From "u8);

    /// <summary>A MimeKit header made from raw octets without MimeKit's parser (its constructor for parsed fields is protected).</summary>
    private sealed class ParsedField(byte[] field, byte[] value, bool invalid) : Header(ParserOptions.Default, field, value, invalid);
}
