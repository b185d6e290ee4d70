using SmarthostLab.Smtp.Session;

namespace SmarthostLab.Smtp.Protocol;

/// <summary>
/// Decodes the DATA phase (RFC 5321 4.1.1.4, 4.5.2): finds the end-of-data marker — only CRLF "." CRLF, never
/// LF "." LF or LF "." CRLF — removes dot-stuffing, and checks the 1,000-octet text line limit (4.5.3.1.6),
/// bare LF (per <see cref="BareLineFeedPolicy"/>) and the message size. After the first failure it keeps
/// looking for the end of data but stores nothing more. Pure and incremental: feed spans as they arrive.
/// </summary>
public sealed class SmtpDataDecoder
{
    /// <summary>Longest text line, CRLF included (RFC 5321 4.5.3.1.6).</summary>
    public const int MaxTextLine = 1000;

    private enum State : byte
    {
        LineStart,
        InLine,
        CarriageReturn,
        Dot,
        DotCarriageReturn,
    }

    private readonly BareLineFeedPolicy _bareLineFeed;
    private State _state;
    private int _lineLength;
    private long _decoded; // unstuffed octets of the message so far, stored or not

    /// <summary>Creates a decoder for one message.</summary>
    public SmtpDataDecoder(BareLineFeedPolicy bareLineFeed) => _bareLineFeed = bareLineFeed;

    /// <summary>Makes the decoder ready for the next message (one decoder per session, no allocation per message).</summary>
    public void Reset()
    {
        _state = State.LineStart;
        _lineLength = 0;
        _decoded = 0;
        ReceivedOctets = 0;
        SizeExceeded = false;
        BareLineFeedSeen = false;
        LineTooLong = false;
    }

    /// <summary>Octets received so far, including stuffing and the end marker.</summary>
    public long ReceivedOctets { get; private set; }

    /// <summary>The message passed the size limit (552 5.3.4); counted on the whole message, also after another failure.</summary>
    public bool SizeExceeded { get; private set; }

    /// <summary>A bare LF was seen.</summary>
    public bool BareLineFeedSeen { get; private set; }

    /// <summary>A text line passed 1,000 octets.</summary>
    public bool LineTooLong { get; private set; }

    /// <summary>True once any of the failures applies; content is no longer stored.</summary>
    public bool Failed => SizeExceeded || LineTooLong || (BareLineFeedSeen && _bareLineFeed == BareLineFeedPolicy.Reject);

    /// <summary>The reply for a failed message: size first, then bare LF, then line length.</summary>
    public SmtpReply? FailureReply =>
        SizeExceeded ? SmtpReplies.MessageTooBig
        : BareLineFeedSeen && _bareLineFeed == BareLineFeedPolicy.Reject ? SmtpReplies.BareLineFeed
        : LineTooLong ? SmtpReplies.TextLineTooLong
        : null;

    /// <summary>Machine-friendly reason of the failure, for refusal records.</summary>
    public string? FailureReason =>
        SizeExceeded ? "message-size"
        : BareLineFeedSeen && _bareLineFeed == BareLineFeedPolicy.Reject ? "bare-lf"
        : LineTooLong ? "line-too-long"
        : null;

    /// <summary>
    /// Decodes <paramref name="input"/>, appending unstuffed octets to <paramref name="content"/>. Returns true when
    /// the end-of-data marker was found; <paramref name="consumed"/> is then the number of octets up to and including it.
    /// </summary>
    public bool Decode(ReadOnlySpan<byte> input, MessageContent content, out int consumed)
    {
        var i = 0;
        while (i < input.Length)
        {
            switch (_state)
            {
                case State.LineStart:
                    if (input[i] == '.')
                    {
                        _state = State.Dot;
                        _lineLength = 1;
                        i++;
                    }
                    else
                    {
                        _state = State.InLine;
                    }
                    break;

                case State.InLine:
                {
                    var rest = input[i..];
                    var at = rest.IndexOfAny((byte)'\r', (byte)'\n');
                    if (at < 0)
                    {
                        Emit(content, rest);
                        Count(rest.Length);
                        i = input.Length;
                        break;
                    }
                    if (rest[at] == '\r' && at + 1 < rest.Length && rest[at + 1] == '\n')
                    {
                        Emit(content, rest[..(at + 2)]);
                        Count(at + 2);
                        _lineLength = 0;
                        _state = State.LineStart;
                        i += at + 2;
                        break;
                    }
                    Emit(content, rest[..at]);
                    Count(at + 1);
                    i += at + 1;
                    if (rest[at] == '\r')
                    {
                        _state = State.CarriageReturn;
                    }
                    else
                    {
                        BareLineFeedSeen = true;
                        Emit(content, "\n"u8);
                    }
                    break;
                }

                case State.CarriageReturn:
                    if (input[i] == '\n')
                    {
                        Emit(content, "\r\n"u8);
                        Count(1);
                        _lineLength = 0;
                        _state = State.LineStart;
                        i++;
                    }
                    else if (input[i] == '\r')
                    {
                        Emit(content, "\r"u8);
                        Count(1);
                        i++;
                    }
                    else
                    {
                        Emit(content, "\r"u8);
                        _state = State.InLine;
                    }
                    break;

                case State.Dot:
                    if (input[i] == '\r')
                    {
                        _state = State.DotCarriageReturn;
                        Count(1);
                        i++;
                    }
                    else
                    {
                        _state = State.InLine; // the leading dot is dropped (RFC 5321 4.5.2)
                    }
                    break;

                case State.DotCarriageReturn:
                    if (input[i] == '\n')
                    {
                        i++;
                        consumed = i;
                        ReceivedOctets += i;
                        return true;
                    }
                    _state = State.CarriageReturn; // "." CR x: dot dropped, CR pending
                    break;
            }
        }
        consumed = input.Length;
        ReceivedOctets += input.Length;
        return false;
    }

    private void Count(int octets)
    {
        _lineLength += octets;
        if (_lineLength > MaxTextLine) LineTooLong = true;
    }

    /// <summary>
    /// Stores unstuffed octets until the first failure. The size is counted on every octet, stored or not, so the
    /// failure reply depends on the message alone: when a long line stopped the storing first, the size was only
    /// checked on what was stored, and the same message got 552 or 500 depending on how it was cut into reads
    /// (found by fuzzing, fuzz/regressions/data).
    /// </summary>
    private void Emit(MessageContent content, ReadOnlySpan<byte> octets)
    {
        if (octets.IsEmpty || SizeExceeded) return;
        _decoded += octets.Length;
        if (_decoded > content.MaxLength)
        {
            SizeExceeded = true;
            content.Clear();
            return;
        }
        if (Failed) return;
        if (!content.TryAppend(octets))
        {
            SizeExceeded = true;
            content.Clear();
        }
    }
}
