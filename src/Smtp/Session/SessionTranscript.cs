using System.Text;

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

    /// <summary>Appends a note (TLS handshake done, N octets of message data, timeout…).</summary>
    public void Note(string line) => Append("*  ", line);

    /// <summary>The transcript so far, CRLF-separated.</summary>
    public override string ToString() => _text.ToString();

    private void Append(string prefix, string line)
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
