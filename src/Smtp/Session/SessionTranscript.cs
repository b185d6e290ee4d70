using System.Buffers;
using System.Text;
using SmarthostLab.Smtp.Protocol;

namespace SmarthostLab.Smtp.Session;

/// <summary>
/// A bounded, append-only record of one session's dialog: lines the client sent ("C: ") and the
/// server replied ("S: "). Message content is not recorded, only a summary line. AUTH credentials
/// are written as "***" by the session before they reach here.
/// </summary>
public sealed class SessionTranscript
{
    /// <summary>Longest transcript kept; past it, lines are dropped and one marker line says so.</summary>
    public const int MaxChars = 64 * 1024;

    private readonly StringBuilder _text = new();
    private bool _truncated;

    /// <summary>Appends a line the client sent.</summary>
    public void Client(string line) => Append("C: ", line);

    /// <summary>Appends a line the server sent.</summary>
    public void Server(string line) => Append("S: ", line);

    /// <summary>Appends a line the client sent, given as UTF-8 octets (invalid octets become U+FFFD).</summary>
    public void Client(in ReadOnlySequence<byte> utf8Line)
    {
        if (_truncated) return;
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

    /// <summary>The transcript so far, CRLF-separated.</summary>
    public override string ToString() => _text.ToString();

    private void Append(string prefix, ReadOnlySpan<char> line)
    {
        if (_truncated) return;
        if (_text.Length + prefix.Length + line.Length + 2 > MaxChars)
        {
            _text.Append("*  transcript truncated\r\n");
            _truncated = true;
            return;
        }
        _text.Append(prefix).Append(line).Append("\r\n");
    }
}
