namespace SmarthostLab.Smtp.Protocol;

/// <summary>
/// Measures the header section of a message as its octets arrive (RFC 5322 2.1: the header fields up to the first
/// empty line), so a header over <c>Smtp:MaxHeaderSize</c> is refused before anything parses it. The size is the
/// octets before the empty line; without one yet, all octets so far. A message whose first line is not a header field
/// (no colon, white space in or before the name) has no header section, size 0; leading mbox "From " lines count as
/// part of the section. These are the rules of the relay's header parser. While the first line is still undecided
/// (it may yet turn out to be no field) the size is 0: so the size never shrinks, one over a limit is final, and when the
/// message ends the size is the parser's. Pure and incremental; one per session.
/// </summary>
public sealed class HeaderSectionMeter
{
    private enum State : byte
    {
        /// <summary>At or in the first line that is not an mbox separator: is it a field?</summary>
        FirstName,
        /// <summary>After the first line's name, white space: a colon makes it a field, else it is an mbox separator or no field.</summary>
        FirstBeforeColon,
        /// <summary>A CR at the start of the first line: an LF makes it the empty line.</summary>
        FirstCarriageReturn,
        /// <summary>The rest of an mbox separator line.</summary>
        MboxLine,
        /// <summary>Inside a line of the section.</summary>
        InLine,
        /// <summary>At the start of a line of the section.</summary>
        LineStart,
        /// <summary>A CR at the start of a line of the section.</summary>
        LineStartCarriageReturn,
        /// <summary>The section ended (its size is known) or there is none.</summary>
        Done,
    }

    private State _state;
    private long _received;
    private long _final;
    private long _lineStart;
    private int _nameLength;
    private int _mboxMatch; // octets of the first line matching "From" (1..4) or ">From" (-1..-5); 0: neither

    /// <summary>Octets of the header section so far: before its empty line, all of them while it lasts, 0 without one (or while that is undecided).</summary>
    public long Length => _state switch
    {
        State.Done => _final,
        State.InLine or State.LineStart or State.LineStartCarriageReturn => _received,
        _ => 0,
    };

    /// <summary>Starts over for the next message.</summary>
    public void Reset()
    {
        _state = State.FirstName;
        _received = 0;
        _lineStart = 0;
        _nameLength = 0;
        _mboxMatch = 0;
        _final = 0;
    }


    /// <summary>Takes the next octets of the message.</summary>
    public void Feed(ReadOnlySpan<byte> data)
    {
        var i = 0;
        while (i < data.Length && _state != State.Done)
        {
            if (_state == State.InLine)
            {
                var newline = data[i..].IndexOf((byte)'\n');
                if (newline < 0)
                {
                    i = data.Length;
                    break;
                }
                i += newline + 1;
                _lineStart = _received + i;
                _state = State.LineStart;
                continue;
            }
            var b = data[i];
            switch (_state)
            {
                case State.LineStart:
                    _state = b == (byte)'\n' ? End() : b == (byte)'\r' ? State.LineStartCarriageReturn : State.InLine;
                    if (_state != State.InLine) i++;
                    break;
                case State.LineStartCarriageReturn:
                    if (b == (byte)'\n')
                    {
                        _state = End();
                        i++;
                    }
                    else
                    {
                        _state = State.InLine; // a CR that starts a line of text
                    }
                    break;
                case State.FirstName:
                    _state = FirstName(b);
                    i++;
                    break;
                case State.FirstBeforeColon:
                    _state = b is (byte)' ' or (byte)'\t' ? State.FirstBeforeColon
                        : b == (byte)':' ? State.InLine
                        : IsMboxSeparator && b != (byte)'\n' ? State.MboxLine
                        : IsMboxSeparator ? NextFirstLine(_received + i + 1)
                        : NoSection();
                    i++;
                    break;
                case State.FirstCarriageReturn:
                    _state = b == (byte)'\n' ? End() : NoSection();
                    i++;
                    break;
                case State.MboxLine:
                    var end = data[i..].IndexOf((byte)'\n');
                    if (end < 0)
                    {
                        i = data.Length;
                        break;
                    }
                    i += end + 1;
                    _state = NextFirstLine(_received + i);
                    break;
            }
        }
        _received += data.Length;
    }

    private bool IsMboxSeparator => _mboxMatch is 4 or -5;

    /// <summary>The first line's name: 1*ftext (RFC 5322 3.6.8), then white space or the colon.</summary>
    private State FirstName(byte b)
    {
        if (b is >= 33 and <= 126 && b != (byte)':')
        {
            _mboxMatch = MboxMatch(_mboxMatch, _nameLength, b);
            _nameLength++;
            return State.FirstName;
        }
        if (_nameLength == 0)
        {
            return b == (byte)'\n' ? End() : b == (byte)'\r' ? State.FirstCarriageReturn : NoSection();
        }
        return b == (byte)':' ? State.InLine : b is (byte)' ' or (byte)'\t' ? FirstBlank(b) : NoSection();
    }

    /// <summary>White space after the first name: an mbox separator needs exactly one space after "From" or ">From".</summary>
    private State FirstBlank(byte b)
    {
        if (b != (byte)' ') _mboxMatch = 0;
        return State.FirstBeforeColon;
    }

    private static int MboxMatch(int match, int position, byte b)
    {
        if (position == 0) return b == (byte)'F' ? 1 : b == (byte)'>' ? -1 : 0;
        if (match == 0 || Math.Abs(match) != position) return 0;
        var word = match > 0 ? "From"u8 : ">From"u8;
        return position < word.Length && word[position] == b ? (match > 0 ? match + 1 : match - 1) : 0;
    }

    private State NextFirstLine(long lineStart)
    {
        _lineStart = lineStart;
        _nameLength = 0;
        _mboxMatch = 0;
        return State.FirstName;
    }

    private State End()
    {
        _final = _lineStart;
        return State.Done;
    }

    private State NoSection()
    {
        _final = 0;
        return State.Done;
    }
}
