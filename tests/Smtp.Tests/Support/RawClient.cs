using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace SmarthostLab.Smtp.Tests.Support;

/// <summary>A raw socket SMTP client: writes exactly the bytes given, reads replies line by line, every read bounded.</summary>
public sealed class RawClient : IAsyncDisposable
{
    private readonly TcpClient _tcp;
    private Stream _stream;
    private readonly List<byte> _pending = [];

    private RawClient(TcpClient tcp)
    {
        _tcp = tcp;
        _stream = tcp.GetStream();
    }

    public static async Task<RawClient> ConnectAsync(int port)
    {
        var tcp = new TcpClient(AddressFamily.InterNetwork);
        await tcp.ConnectAsync(IPAddress.Loopback, port);
        return new RawClient(tcp);
    }

    public Task SendAsync(string text) => _stream.WriteAsync(Encoding.ASCII.GetBytes(text)).AsTask();

    public async Task StartTlsAsync()
    {
        var ssl = new SslStream(_stream, leaveInnerStreamOpen: false, (_, _, _, _) => true);
        await ssl.AuthenticateAsClientAsync("relay.test").WaitAsync(TimeSpan.FromSeconds(5));
        _pending.Clear();
        _stream = ssl;
    }

    public async Task<string> ReadReplyAsync(TimeSpan? limit = null)
    {
        var lines = new List<string>();
        while (true)
        {
            var line = await ReadLineAsync(limit ?? TimeSpan.FromSeconds(5)) ?? throw new IOException("closed after: " + string.Join("\n", lines));
            lines.Add(line);
            if (line.Length < 4 || line[3] != '-') return string.Join("\n", lines);
        }
    }

    public async Task<string?> ReadLineAsync(TimeSpan limit)
    {
        using var cts = new CancellationTokenSource(limit);
        var buffer = new byte[4096];
        while (true)
        {
            var lf = _pending.IndexOf((byte)'\n');
            if (lf >= 0)
            {
                var line = Encoding.UTF8.GetString(_pending.GetRange(0, lf).ToArray()).TrimEnd('\r');
                _pending.RemoveRange(0, lf + 1);
                return line;
            }
            var n = await _stream.ReadAsync(buffer, cts.Token);
            if (n == 0) return null;
            _pending.AddRange(buffer.AsSpan(0, n));
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _tcp.Dispose();
    }
}
