using System.Net;
using System.Net.Sockets;
using System.Text;

namespace SmarthostLab.Probe.Tests.EndToEnd;

/// <summary>
/// A minimal stand-in for the customer's MTA: accepts one message per session over plain SMTP and,
/// after answering 250, runs <c>onMessage</c> (the test's "forward to the smarthost").
/// </summary>
internal sealed class ForwardingMta : IAsyncDisposable
{
    private readonly TcpListener listener = new(IPAddress.Loopback, 0);
    private readonly Func<Task> onMessage;
    private readonly CancellationTokenSource stop = new();
    private readonly Task loop;

    public ForwardingMta(Func<Task> onMessage)
    {
        this.onMessage = onMessage;
        listener.Start();
        loop = Task.Run(AcceptLoopAsync);
    }

    /// <summary>--via for this MTA.</summary>
    public string Via => $"127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}";

    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        listener.Stop();
        try
        {
            await loop;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Stopped.
        }

        stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!stop.IsCancellationRequested)
        {
            using var client = await listener.AcceptTcpClientAsync(stop.Token);
            await using var stream = client.GetStream();
            using var reader = new StreamReader(stream, Encoding.ASCII);
            await using var writer = new StreamWriter(stream, Encoding.ASCII) { NewLine = "\r\n", AutoFlush = true };
            await writer.WriteLineAsync("220 mta.contoso.test ESMTP test MTA");
            var accepted = false;
            while (await reader.ReadLineAsync(stop.Token) is { } line)
            {
                var verb = line.Split(' ', 2)[0].ToUpperInvariant();
                if (verb is "EHLO" or "HELO")
                {
                    await writer.WriteLineAsync("250 mta.contoso.test");
                }
                else if (verb == "DATA")
                {
                    await writer.WriteLineAsync("354 go ahead");
                    while (await reader.ReadLineAsync(stop.Token) is { } data && data != ".")
                    {
                    }

                    await writer.WriteLineAsync("250 2.0.0 queued");
                    accepted = true;
                }
                else if (verb == "QUIT")
                {
                    await writer.WriteLineAsync("221 bye");
                    break;
                }
                else
                {
                    await writer.WriteLineAsync("250 ok");
                }
            }

            if (accepted)
            {
                await onMessage();
            }
        }
    }
}
