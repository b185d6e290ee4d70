using System.Buffers;

namespace SmarthostLab.Smtp.Protocol;

/// <summary>What <see cref="SmtpLineReader.TryReadLine"/> found.</summary>
public enum SmtpLineStatus
{
    /// <summary>No complete line yet; everything examined, nothing more to do until more input arrives.</summary>
    NeedMoreData,
    /// <summary>A complete command line (terminator stripped).</summary>
    Line,
    /// <summary>A line longer than 512 octets ended; it was discarded and must be answered with 500 5.5.2.</summary>
    TooLong,
}

/// <summary>
/// Frames command lines (RFC 5321 2.3.8, 4.5.3.1.4): at most 512 octets including CRLF. A longer line is
/// discarded as it arrives (the buffer never grows past 512 octets) and reported once its end is seen, so the
/// reply stays in order with pipelined commands. A bare LF also ends a command line (lenient, as most MTAs);
/// a trailing CR is stripped. Pure: no I/O.
/// </summary>
public struct SmtpLineReader
{
    /// <summary>Longest command line, CRLF included (RFC 5321 4.5.3.1.4).</summary>
    public const int MaxLineLength = 512;

    private bool _discarding;

    /// <summary>True while the rest of an over-long line is being dropped.</summary>
    public readonly bool IsDiscarding => _discarding;

    /// <summary>Forgets a partially discarded line (after STARTTLS, the transport changes).</summary>
    public void Reset() => _discarding = false;

    /// <summary>
    /// Reads one line from <paramref name="reader"/>. On <see cref="SmtpLineStatus.Line"/> the reader is past the
    /// terminator and <paramref name="line"/> holds the line without it. On <see cref="SmtpLineStatus.NeedMoreData"/>
    /// the reader is positioned at the first octet that must be kept (consumed), and all input was examined.
    /// </summary>
    public SmtpLineStatus TryReadLine(ref SequenceReader<byte> reader, out ReadOnlySequence<byte> line)
    {
        line = default;
        while (true)
        {
            var window = reader.UnreadSequence;
            if (window.IsEmpty) return SmtpLineStatus.NeedMoreData;
            var bounded = window.Length > MaxLineLength ? window.Slice(0, MaxLineLength) : window;
            var lf = bounded.PositionOf((byte)'\n');
            if (_discarding)
            {
                var anyLf = lf ?? window.PositionOf((byte)'\n');
                if (anyLf is null)
                {
                    reader.AdvanceToEnd();
                    return SmtpLineStatus.NeedMoreData;
                }
                reader.Advance(window.Slice(0, anyLf.Value).Length + 1);
                _discarding = false;
                return SmtpLineStatus.TooLong;
            }
            if (lf is null)
            {
                if (window.Length < MaxLineLength) return SmtpLineStatus.NeedMoreData;
                _discarding = true;
                continue;
            }
            line = window.Slice(0, lf.Value);
            reader.Advance(line.Length + 1);
            if (!line.IsEmpty && EndsWithCr(line)) line = line.Slice(0, line.Length - 1);
            return SmtpLineStatus.Line;
        }
    }

    private static bool EndsWithCr(in ReadOnlySequence<byte> line)
    {
        if (line.IsSingleSegment) return line.FirstSpan[^1] == '\r';
        return line.Slice(line.Length - 1).FirstSpan[0] == '\r';
    }
}
