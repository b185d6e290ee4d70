using System.Net;
using System.Net.Sockets;
using SmarthostLab.Smtp.Tests.Support;
using SmarthostLab.Tests.Support;

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
        using var client = await NonReadingSmtpClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, host.Port));

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
            using var client = await NonReadingSmtpClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, host.Port));
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
}
