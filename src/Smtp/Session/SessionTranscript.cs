using System.Buffers;
using System.Text;
using SmarthostLab.Smtp.Protocol;

namespace SmarthostLab.Smtp.Session;

/// <summary>
/// A bounded, append-only record of one session's dialog: lines the client sent ("C: ") and the
/// server replied ("S: "). Message content is not recorded, only a summary line. AUTH credentials
/// are written as "***" by the session before they reach here.
/// Once a transaction begins (<see cref="BeginTransaction"/>, MAIL accepted), only the session's opening part
/// (everything before its first MAIL) and the current transaction are kept: earlier transactions are dropped,
/// so what a message stores does not grow with the messages sent before it in the same session.
/// </summary>
public sealed class SessionTranscript
{
    /// <summary>
    /// Longest transcript kept (opening plus current transaction); past it, lines are dropped and one marker
    /// line says so, until the next transaction begins.
    /// </summary>
    public const int MaxChars = 64 * 1024;

    private readonly StringBuilder _text = new();
    private bool _truncated;
    private int _openingLength = -1;
    private int _lastClientStart = -1;
    private string? _droppedClientLine;

    /// <summary>Appends a line the client sent.</summary>
    public void Client(string line) => Append("C: ", line);

    /// <summary>Appends a line the server sent.</summary>
    public void Server(string line) => Append("S: ", line);

    /// <summary>Appends a line the client sent, given as UTF-8 octets (invalid octets become U+FFFD).</summary>
    public void Client(in ReadOnlySequence<byte> utf8Line)
    {
        var length = (int)Math.Min(utf8Line.Length, 1024);
        Span<byte> bytes = stackalloc byte[length];
        utf8Line.Slice(0, length).CopyTo(bytes);
        Span<char> chars = stackalloc char[length];
        var n = Encoding.UTF8.GetChars(bytes, chars);
        Append("C: ", chars[..n]);
    }

    /// <summary>Appends every line of a reply the server sent, as on the wire.</summary>
    public void Server(SmtpReply reply)
    {
        var text = reply.Text.AsSpan();
        Span<char> head = stackalloc char[4];
        while (!_truncated)
        {
            var nl = text.IndexOf('\n');
            var line = nl < 0 ? text : text[..nl];
            reply.Code.TryFormat(head, out _);
            head[3] = nl < 0 ? ' ' : '-';
            if (_text.Length + line.Length + reply.EnhancedCode.Length + 10 > MaxChars)
            {
                Append("S: ", line);
                return;
            }
            _text.Append("S: ").Append(head);
            if (reply.EnhancedCode.Length > 0) _text.Append(reply.EnhancedCode).Append(' ');
            _text.Append(line).Append("\r\n");
            if (nl < 0) return;
            text = text[(nl + 1)..];
        }
    }

    /// <summary>Appends a note (TLS handshake done, N octets of message data, timeout…).</summary>
    public void Note(string line) => Append("*  ", line);

    /// <summary>
    /// Marks the client line appended last (the accepted MAIL) as the start of a new transaction. The first call
    /// ends the opening part; later calls drop what lies between the opening and this line (earlier
    /// transactions, RSETs, refused commands) and lift a truncation.
    /// </summary>
    public void BeginTransaction()
    {
        if (_lastClientStart < 0 && _droppedClientLine is null) return; // no client line yet: nothing to mark
        if (_openingLength < 0)
        {
            _openingLength = _droppedClientLine is null ? _lastClientStart : _text.Length;
            return;
        }
        if (_droppedClientLine is null)
        {
            _text.Remove(_openingLength, _lastClientStart - _openingLength);
            _lastClientStart = _openingLength;
            return;
        }
        // The MAIL line was dropped by truncation: restart after the opening and record it again.
        var line = _droppedClientLine;
        _text.Length = _openingLength;
        _truncated = false;
        _droppedClientLine = null;
        Append("C: ", line);
    }

    /// <summary>
    /// What a message of the current transaction stores: the opening part (greeting, EHLO, STARTTLS…) and the
    /// transaction's own lines from its MAIL on, CRLF-separated. Before any transaction, the whole transcript.
    /// </summary>
    public string ForCurrentTransaction() => _text.ToString();

    /// <summary>The transcript kept so far (see <see cref="ForCurrentTransaction"/>), CRLF-separated.</summary>
    public override string ToString() => _text.ToString();

    private void Append(string prefix, ReadOnlySpan<char> line)
    {
        var client = prefix == "C: ";
        if (_truncated)
        {
            if (client) _droppedClientLine = line.ToString();
            return;
        }
        if (_text.Length + prefix.Length + line.Length + 2 > MaxChars)
        {
            _text.Append("*  transcript truncated\r\n");
            _truncated = true;
            if (client) _droppedClientLine = line.ToString();
            return;
        }
        if (client)
        {
            _lastClientStart = _text.Length;
            _droppedClientLine = null;
        }
        _text.Append(prefix).Append(line).Append("\r\n");
    }
}
