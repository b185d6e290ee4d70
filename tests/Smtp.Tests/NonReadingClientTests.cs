using System.Net;
using System.Net.Sockets;
using System.Text;
using SmarthostLab.Smtp.Tests.Support;

namespace SmarthostLab.Smtp.Tests;

/// <summary>
/// Issue 16, defect 1: a client that pipelines and never reads its replies. Writes are bounded like reads: the
/// session aborts the connection when its replies cannot leave within the timeout, and a stopping host does not
/// wait for them.
/// </summary>
public sealed class NonReadingClientTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task A_client_that_pipelines_without_reading_is_cut_off_within_the_command_timeout()
    {
        await using var host = await SmtpTestHost.StartAsync(o => o.CommandTimeout = TimeSpan.FromSeconds(1));
        using var client = await NonReadingClient.ConnectAsync(host.Port);

        // EHLO is a good command with a long reply: no bad-command limit, and the replies soon fill every buffer.
        var ended = await client.PipelineUntilResetAsync("EHLO client.test\r\n").WaitAsync(Bound);
        Assert.IsType<SocketException>(ended);
        Assert.True(await host.AllClosedAsync(TimeSpan.FromSeconds(10)));
    }

    [Fact]
    public async Task A_stopping_host_does_not_wait_for_a_client_that_never_reads()
    {
        var host = await SmtpTestHost.StartAsync();
        try
        {
            using var client = await NonReadingClient.ConnectAsync(host.Port);
            var writing = client.PipelineUntilResetAsync("EHLO client.test\r\n");
            Assert.True(await client.BlockedAsync(Bound), "the server never stopped taking input");

            // The command timeout is 5 minutes and the host's shutdown timeout 30 s: only an abort ends this soon.
            var stop = host.StopAsync();
            Assert.Same(stop, await Task.WhenAny(stop, Task.Delay(TimeSpan.FromSeconds(10))));
            Assert.IsType<SocketException>(await writing.WaitAsync(Bound));
        }
        finally
        {
            await host.DisposeAsync();
        }
    }

    /// <summary>A socket with a small receive buffer that writes and never reads.</summary>
    private sealed class NonReadingClient : IDisposable
    {
        private readonly Socket _socket;
        private long _sent;

        private NonReadingClient(Socket socket) => _socket = socket;

        public static async Task<NonReadingClient> ConnectAsync(int port)
        {
            var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port));
            return new NonReadingClient(socket);
        }

        /// <summary>Sends <paramref name="line"/> over and over; returns the error that ended it (the server's reset).</summary>
        public Task<Exception> PipelineUntilResetAsync(string line) => Task.Run(async () =>
        {
            var chunk = Encoding.ASCII.GetBytes(string.Concat(Enumerable.Repeat(line, 8192 / line.Length)));
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
}
