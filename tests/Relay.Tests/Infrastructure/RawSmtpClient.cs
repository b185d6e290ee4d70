using System.Net;
using System.Net.Sockets;
using System.Text;

namespace SmarthostLab.Relay.Tests.Infrastructure;

/// <summary>A minimal SMTP client over a raw socket bound to a chosen local address; reads whole (multi-line) replies.</summary>
public sealed class RawSmtpClient : IAsyncDisposable
{
    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly byte[] _buffer = new byte[65536];
    private readonly StringBuilder _pending = new();

    private RawSmtpClient(Socket socket)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
    }

    public static async Task<RawSmtpClient> ConnectAsync(IPEndPoint server, IPAddress local)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(local, 0));
        await socket.ConnectAsync(server);
        return new RawSmtpClient(socket);
    }

    /// <summary>Reads one reply; returns its last line (e.g. "250 2.0.0 Ok: queued as …"), or "" when the server closed.</summary>
    public async Task<string> ReadReplyAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            var text = _pending.ToString();
            var start = 0;
            int end;
            while ((end = text.IndexOf("\r\n", start, StringComparison.Ordinal)) >= 0)
            {
                var line = text[start..end];
                start = end + 2;
                if (line.Length < 4 || line[3] != '-')
                {
                    _pending.Remove(0, start);
                    return line;
                }
            }
            var n = await _stream.ReadAsync(_buffer, timeout.Token);
            if (n == 0) return "";
            _pending.Append(Encoding.UTF8.GetString(_buffer, 0, n));
        }
    }

    public async Task SendAsync(string text) => await SendAsync(Encoding.UTF8.GetBytes(text));

    public async Task SendAsync(byte[] bytes) => await _stream.WriteAsync(bytes);

    /// <summary>Sends a command line and reads its reply.</summary>
    public async Task<string> CommandAsync(string line)
    {
        await SendAsync(line + "\r\n");
        return await ReadReplyAsync();
    }

    public async ValueTask DisposeAsync() => await _stream.DisposeAsync();
}
