using System.Text;

namespace SmarthostLab.Bench.Load;

/// <summary>
/// Reads SMTP replies (RFC 5321 4.2: <c>code-text</c> continuation lines, <c>code text</c> last line)
/// from a stream into one reusable buffer. Allocates only when asked for the reply's lines or when
/// the reply is negative (its first line is kept for the report).
/// </summary>
public sealed class ReplyReader(Stream stream)
{
    /// <summary>Longest reply line accepted (RFC 5321 4.5.3.1.5 says 512 octets; a margin for lax servers).</summary>
    private const int MaxLine = 4096;

    private readonly byte[] _buffer = new byte[16 * 1024];
    private int _start;
    private int _end;

    /// <summary>The stream replies are read from; replaced after STARTTLS.</summary>
    public Stream Stream { get; set; } = stream;

    /// <summary>First line of the last negative (4xx/5xx) reply, without the code.</summary>
    public string LastNegativeText { get; private set; } = string.Empty;

    /// <summary>Drops buffered octets (plaintext received before a TLS handshake, RFC 3207 5).</summary>
    public void Discard() => _start = _end = 0;

    /// <summary>Reads one whole reply and returns its code; <paramref name="lines"/>, when given, receives the text of every line.</summary>
    /// <exception cref="EndOfStreamException">The server closed the connection.</exception>
    /// <exception cref="InvalidDataException">The reply is not SMTP.</exception>
    public async ValueTask<int> ReadAsync(List<string>? lines, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (TryTakeLine(lines, out var code, out var last))
            {
                if (last) return code;
                continue;
            }
            Received(await Stream.ReadAsync(_buffer.AsMemory(_end), cancellationToken).ConfigureAwait(false));
        }
    }

    /// <summary>
    /// <see cref="ReadAsync"/> with blocking reads, for a client on a thread of its own (a socket's
    /// <c>ReceiveTimeout</c> bounds each read).
    /// </summary>
    /// <exception cref="EndOfStreamException">The server closed the connection.</exception>
    /// <exception cref="InvalidDataException">The reply is not SMTP.</exception>
    public int Read(List<string>? lines)
    {
        while (true)
        {
            if (TryTakeLine(lines, out var code, out var last))
            {
                if (last) return code;
                continue;
            }
            Received(Stream.Read(_buffer.AsSpan(_end)));
        }
    }

    /// <summary>Takes one buffered reply line; false (room made for more) when no whole line is buffered.</summary>
    private bool TryTakeLine(List<string>? lines, out int code, out bool last)
    {
        code = 0;
        last = false;
        var lf = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
        if (lf < 0)
        {
            if (_end - _start >= MaxLine) throw new InvalidDataException("reply line too long");
            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }
            return false;
        }
        var lineEnd = lf > _start && _buffer[lf - 1] == (byte)'\r' ? lf - 1 : lf;
        var line = _buffer.AsSpan(_start, lineEnd - _start);
        _start = lf + 1;
        if (_start == _end) _start = _end = 0;
        if (line.Length < 3 || !IsDigit(line[0]) || !IsDigit(line[1]) || !IsDigit(line[2]) || (line.Length > 3 && line[3] != ' ' && line[3] != '-'))
            throw new InvalidDataException($"not an SMTP reply: {Encoding.ASCII.GetString(line[..Math.Min(line.Length, 80)])}");
        code = ((line[0] - '0') * 100) + ((line[1] - '0') * 10) + (line[2] - '0');
        last = line.Length == 3 || line[3] == ' ';
        var text = line.Length > 4 ? line[4..] : [];
        lines?.Add(Encoding.ASCII.GetString(text));
        if (code >= 400 && (last || lines is null)) LastNegativeText = Encoding.ASCII.GetString(text[..Math.Min(text.Length, 200)]);
        return true;
    }

    private void Received(int n)
    {
        if (n == 0) throw new EndOfStreamException("server closed the connection");
        _end += n;
    }

    private static bool IsDigit(byte b) => b is >= (byte)'0' and <= (byte)'9';
}
