using System.Buffers;

namespace SmarthostLab.Smtp.Protocol;

/// <summary>What <see cref="SaslResponseReader.TryReadLine"/> found.</summary>
public enum SaslResponseStatus
{
    /// <summary>No complete line yet; everything examined.</summary>
    NeedMoreData,
    /// <summary>A complete response line (terminator stripped).</summary>
    Line,
    /// <summary>A line over <see cref="Sasl.MaxResponseLength"/> octets ended; it was discarded (RFC 4954 4: 500 5.5.6).</summary>
    TooLong,
}

/// <summary>
/// Frames the client's response lines inside an AUTH exchange (RFC 4954 4): at most
/// <see cref="Sasl.MaxResponseLength"/> octets before CRLF. A longer line is dropped as it arrives (the buffer
/// never holds more than that) and reported once its end is seen, so the reply stays in step. A bare LF also ends
/// a line; a trailing CR is stripped. Pure: no I/O.
/// </summary>
public struct SaslResponseReader
{
    private bool _discarding;

    /// <summary>
    /// Reads one line from <paramref name="reader"/>. On <see cref="SaslResponseStatus.Line"/> the reader is past the
    /// terminator and <paramref name="line"/> holds the line without it; on <see cref="SaslResponseStatus.NeedMoreData"/>
    /// the reader is at the first octet to keep.
    /// </summary>
    public SaslResponseStatus TryReadLine(ref SequenceReader<byte> reader, out ReadOnlySequence<byte> line)
    {
        line = default;
        var window = reader.UnreadSequence;
        var lf = window.PositionOf((byte)'\n');
        if (lf is null)
        {
            // CR LF: the CR may be the limit's one octet more.
            if (_discarding || window.Length > Sasl.MaxResponseLength + 1)
            {
                _discarding = true;
                reader.AdvanceToEnd();
            }
            return SaslResponseStatus.NeedMoreData;
        }
        var found = window.Slice(0, lf.Value);
        reader.Advance(found.Length + 1);
        if (!found.IsEmpty && EndsWithCr(found)) found = found.Slice(0, found.Length - 1);
        if (_discarding || found.Length > Sasl.MaxResponseLength)
        {
            _discarding = false;
            return SaslResponseStatus.TooLong;
        }
        line = found;
        return SaslResponseStatus.Line;
    }

    private static bool EndsWithCr(in ReadOnlySequence<byte> line) =>
        line.IsSingleSegment ? line.FirstSpan[^1] == '\r' : line.Slice(line.Length - 1).FirstSpan[0] == '\r';
}
