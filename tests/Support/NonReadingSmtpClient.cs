using System.Net;
using System.Net.Sockets;
using System.Text;

namespace SmarthostLab.Tests.Support;

/// <summary>
/// A client that writes and never reads its replies, with a small receive buffer so that the server's replies
/// soon have nowhere to go: the shape of a client that pipelines junk at a server and ignores what it says.
/// </summary>
public sealed class NonReadingSmtpClient : IDisposable
{
    private readonly Socket _socket;
    private long _sent;

    private NonReadingSmtpClient(Socket socket) => _socket = socket;

    /// <summary>Connects to <paramref name="server"/>, from <paramref name="local"/> when given.</summary>
    public static async Task<NonReadingSmtpClient> ConnectAsync(IPEndPoint server, IPAddress? local = null) =>
        new(await ClientSocket.ConnectAsync(server, local, receiveBufferSize: 4096));

    /// <summary>
    /// Sends <paramref name="line"/> over and over in 8 KiB writes, never reading; completes with the error that
    /// ended it (the server's reset) and runs until then.
    /// </summary>
    public Task<Exception> PipelineUntilResetAsync(string line) => Task.Run(async () =>
    {
        var chunk = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat(line, Math.Max(1, 8192 / line.Length))));
        try
        {
            while (true)
            {
                var n = await _socket.SendAsync(chunk, SocketFlags.None);
                Interlocked.Add(ref _sent, n);
            }
        }
        catch (Exception ex) when (ex is SocketException or ObjectDisposedException)
        {
            return ex;
        }
    });

    /// <summary>True once nothing more could be sent for a second (the server stopped reading), false after <paramref name="limit"/>.</summary>
    public async Task<bool> BlockedAsync(TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        var last = -1L;
        while (DateTime.UtcNow < deadline)
        {
            await Task.Delay(TimeSpan.FromSeconds(1));
            var now = Interlocked.Read(ref _sent);
            if (now == last) return true;
            last = now;
        }
        return false;
    }

    public void Dispose() => _socket.Dispose();
}
