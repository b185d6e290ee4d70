using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using SmarthostLab.Smtp.Server;
using SmarthostLab.Smtp.Session;

namespace SmarthostLab.Smtp.Tests.Support;

/// <summary>Runs one <see cref="SmtpSession"/> over in-memory pipes and speaks to it like a client.</summary>
public sealed class PipeHarness : IAsyncDisposable
{
    private static readonly TimeSpan ReadLimit = TimeSpan.FromSeconds(5);
    private readonly Pipe _toServer = new();
    private readonly Pipe _toClient = new();
    private readonly CancellationTokenSource _stopping = new();

    private PipeHarness(SmtpOptions options, RecordingHandler handler, X509Certificate2? certificate, TimeProvider? time = null)
    {
        Handler = handler;
        Options = options;
        Context = new SessionContext("test", new IPEndPoint(IPAddress.Parse("192.0.2.10"), 40000), new IPEndPoint(IPAddress.Loopback, 25));
        var session = new SmtpSession(new DuplexPipe(_toServer.Reader, _toClient.Writer), Context, handler, options, certificate, time);
        Run = Task.Run(() => session.RunAsync(_stopping.Token));
    }

    public RecordingHandler Handler { get; }
    public SmtpOptions Options { get; }
    public SessionContext Context { get; }
    public Task Run { get; }

    public static SmtpOptions DefaultOptions() => new() { HostName = "relay.test" };

    public static PipeHarness Start(SmtpOptions? options = null, RecordingHandler? handler = null, X509Certificate2? certificate = null, TimeProvider? time = null) =>
        new(options ?? DefaultOptions(), handler ?? new RecordingHandler(), certificate, time);

    /// <summary>Starts a session, reads its greeting and says EHLO.</summary>
    public static async Task<PipeHarness> StartWithEhloAsync(SmtpOptions? options = null, RecordingHandler? handler = null)
    {
        var h = Start(options, handler);
        Assert.StartsWith("220 ", await h.ReadReplyAsync());
        await h.SendAsync("EHLO client.test\r\n");
        Assert.StartsWith("250", await h.ReadReplyAsync());
        return h;
    }

    public void Stop() => _stopping.Cancel();

    public Task SendAsync(string text) => SendAsync(Encoding.UTF8.GetBytes(text));

    public async Task SendAsync(byte[] bytes)
    {
        await _toServer.Writer.WriteAsync(bytes);
    }

    /// <summary>Reads one whole reply (all its lines), lines separated by "\n", without the final CRLF.</summary>
    public async Task<string> ReadReplyAsync()
    {
        var lines = new List<string>();
        while (true)
        {
            var line = await ReadLineAsync() ?? throw new InvalidOperationException("connection closed; got: " + string.Join("\n", lines));
            lines.Add(line);
            if (line.Length < 4 || line[3] != '-') return string.Join("\n", lines);
        }
    }

    /// <summary>Reads n replies.</summary>
    public async Task<string[]> ReadRepliesAsync(int n)
    {
        var replies = new string[n];
        for (var i = 0; i < n; i++) replies[i] = await ReadReplyAsync();
        return replies;
    }

    /// <summary>True when the server closed its side with nothing more to say.</summary>
    public async Task<bool> IsClosedAsync()
    {
        var line = await ReadLineAsync();
        return line is null;
    }

    public async Task<string?> ReadLineAsync()
    {
        using var cts = new CancellationTokenSource(ReadLimit);
        var reader = _toClient.Reader;
        while (true)
        {
            var result = await reader.ReadAsync(cts.Token);
            var buffer = result.Buffer;
            var lf = buffer.PositionOf((byte)'\n');
            if (lf is not null)
            {
                var line = Encoding.UTF8.GetString(buffer.Slice(0, lf.Value).ToArray()).TrimEnd('\r');
                reader.AdvanceTo(buffer.GetPosition(1, lf.Value));
                return line;
            }
            reader.AdvanceTo(buffer.Start, buffer.End);
            if (result.IsCompleted) return null;
        }
    }

    /// <summary>Whatever the server has written that the client has not read yet, without waiting ("" when nothing).</summary>
    public string ReadAvailable()
    {
        if (!_toClient.Reader.TryRead(out var result)) return "";
        var text = Encoding.UTF8.GetString(result.Buffer.ToArray());
        _toClient.Reader.AdvanceTo(result.Buffer.End);
        return text;
    }

    public async ValueTask DisposeAsync()
    {
        _stopping.Cancel();
        await _toServer.Writer.CompleteAsync();
        await Run.WaitAsync(ReadLimit);
        _stopping.Dispose();
    }

    private sealed class DuplexPipe(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;
        public PipeWriter Output { get; } = output;
    }
}
