using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace SmarthostLab.Tests.Support;

/// <summary>
/// A raw socket SMTP client: writes exactly the bytes given (strings as UTF-8), reads whole
/// (multi-line) replies line by line with every read bounded, and can connect from a chosen local
/// address (the relay admits clients by source address).
/// </summary>
public sealed class RawSmtpClient : IAsyncDisposable
{
    /// <summary>How long a reply or a TLS handshake may take when no limit is given.</summary>
    public static readonly TimeSpan DefaultLimit = TimeSpan.FromSeconds(30);

    private readonly Socket _socket;
    private readonly byte[] _buffer = new byte[65536];
    private readonly List<byte> _pending = [];
    private Stream _stream;

    private RawSmtpClient(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
    }

    /// <summary>Connects to 127.0.0.1:<paramref name="port"/>.</summary>
    public static Task<RawSmtpClient> ConnectAsync(int port) => ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));

    /// <summary>Connects to <paramref name="server"/>, from <paramref name="local"/> when given.</summary>
    public static async Task<RawSmtpClient> ConnectAsync(IPEndPoint server, IPAddress? local = null) =>
        new(await ClientSocket.ConnectAsync(server, local));

    public Task SendAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text));

    public async Task SendAsync(byte[] bytes) => await _stream.WriteAsync(bytes);

    /// <summary>Sends a command line and reads its reply.</summary>
    public async Task<string> CommandAsync(string line)
    {
        await SendAsync(line + "\r\n");
        return await ReadReplyAsync();
    }

    /// <summary>
    /// Continues the session inside TLS, accepting any certificate: after the server's 220 to
    /// STARTTLS, or right after connecting to an implicit-TLS port. Plain-text bytes the server sent after its
    /// 220 and before the handshake (an answer to pipelined plain text, RFC 3207 5) fail the call instead of
    /// being dropped.
    /// </summary>
    public async Task StartTlsAsync(string targetHost = "relay.test")
    {
        if (_pending.Count > 0)
            throw new InvalidOperationException("plain text after the 220 to STARTTLS, before TLS: " + Encoding.UTF8.GetString(_pending.ToArray()));
        var ssl = new SslStream(_stream, leaveInnerStreamOpen: false, (_, _, _, _) => true);
        await ssl.AuthenticateAsClientAsync(targetHost).WaitAsync(DefaultLimit);
        _stream = ssl;
    }

    /// <summary>Reads one reply, its lines joined by "\n"; throws <see cref="IOException"/> when the server closes first.</summary>
    public async Task<string> ReadReplyAsync(TimeSpan? limit = null)
    {
        using var timeout = new CancellationTokenSource(limit ?? DefaultLimit);
        var lines = new List<string>();
        while (true)
        {
            var line = await ReadLineAsync(timeout.Token) ?? throw new IOException("closed after: " + string.Join("\n", lines));
            lines.Add(line);
            if (line.Length < 4 || line[3] != '-') return string.Join("\n", lines);
        }
    }

    /// <summary>
    /// Reads one CRLF-terminated line without its line end, or null when the server closed the connection at a
    /// line boundary. A bare LF, or a partial line at close, throws <see cref="IOException"/> naming the bytes.
    /// </summary>
    public async Task<string?> ReadLineAsync(TimeSpan limit)
    {
        using var timeout = new CancellationTokenSource(limit);
        return await ReadLineAsync(timeout.Token);
    }

    /// <summary>
    /// Fails (InvalidOperationException) unless the server closes the connection without sending a byte (within <paramref name="limit"/>, 20 s by
    /// default); a reset counts as closed too.
    /// </summary>
    public async Task AssertClosedWithoutReplyAsync(TimeSpan? limit = null)
    {
        try
        {
            if (await ReadLineAsync(limit ?? TimeSpan.FromSeconds(20)) is { } line)
                throw new InvalidOperationException($"the server was to close without a reply, and sent: {line}");
        }
        catch (IOException ex) when (ex.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionReset })
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _socket.Dispose();
    }

    private async Task<string?> ReadLineAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var lf = _pending.IndexOf((byte)'\n');
            if (lf >= 0)
            {
                if (lf == 0 || _pending[lf - 1] != (byte)'\r')
                    throw new IOException("line not ended by CRLF: " + Encoding.UTF8.GetString(_pending.GetRange(0, lf + 1).ToArray()));
                var line = Encoding.UTF8.GetString(_pending.GetRange(0, lf - 1).ToArray());
                _pending.RemoveRange(0, lf + 1);
                return line;
            }

            var n = await _stream.ReadAsync(_buffer, cancellationToken);
            if (n == 0)
            {
                if (_pending.Count > 0) throw new IOException("closed in the middle of a line: " + Encoding.UTF8.GetString(_pending.ToArray()));
                return null;
            }
            _pending.AddRange(_buffer.AsSpan(0, n));
        }
    }
}
