using System.Buffers;

namespace SmarthostLab.Smtp.Protocol;

/// <summary>
/// The Bedrock-style message reader of the command phase: frames one command line (512-octet bound,
/// <see cref="SmtpLineReader"/>) and parses it (<see cref="SmtpCommandParser"/>). Pure, no I/O; the caller owns
/// the pipe and advances it to <c>consumed</c>/<c>examined</c>.
/// </summary>
public struct SmtpCommandReader
{
    private SmtpLineReader _lines;

    /// <summary>Forgets any partially discarded over-long line.</summary>
    public void Reset() => _lines.Reset();

    /// <summary>
    /// Tries to read one command from <paramref name="input"/>. Returns true when a command line was framed:
    /// then either <paramref name="error"/> is null and <paramref name="command"/> is valid, or
    /// <paramref name="error"/> is the reply to send. Returns false when more input is needed.
    /// </summary>
    public bool TryParse(in ReadOnlySequence<byte> input, out SequencePosition consumed, out SequencePosition examined,
        out SmtpCommand command, out SmtpReply? error)
    {
        var reader = new SequenceReader<byte>(input);
        var found = TryParse(ref reader, out command, out error, out _);
        consumed = reader.Position;
        examined = found ? consumed : input.End;
        return found;
    }

    /// <summary>
    /// Same as the sequence overload over a <see cref="SequenceReader{T}"/>; <paramref name="line"/> is the framed
    /// line (for transcripts), empty for an over-long line.
    /// </summary>
    public bool TryParse(ref SequenceReader<byte> reader, out SmtpCommand command, out SmtpReply? error, out ReadOnlySequence<byte> line)
    {
        switch (_lines.TryReadLine(ref reader, out line))
        {
            case SmtpLineStatus.Line:
                SmtpCommandParser.TryParse(line, out command, out error);
                return true;
            case SmtpLineStatus.TooLong:
                command = new SmtpCommand(SmtpCommandKind.Unknown);
                error = SmtpReplies.CommandLineTooLong;
                return true;
            default:
                command = default;
                error = null;
                return false;
        }
    }
}
