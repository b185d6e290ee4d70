using System.Buffers;
using System.Net;
using System.Text;
using BenchmarkDotNet.Attributes;
using SmarthostLab.Bench.Load;
using SmarthostLab.Smtp;
using SmarthostLab.Smtp.Server;
using SmarthostLab.Smtp.Session;

namespace SmarthostLab.Bench.Session;

/// <summary>
/// A whole SMTP session over in-memory pipes (no sockets) with a handler that accepts at once:
/// greeting, EHLO, ten pipelined transactions (MAIL, RCPT, DATA or BDAT) and QUIT. Measures the
/// session engine (state table, parser, decoder, reply writer, transcript) per session of ten messages.
/// Baseline: the same session with DATA.
/// </summary>
[MemoryDiagnoser]
public class SessionBenchmarks
{
    private const int MessagesPerSession = 10;
    private static readonly IPEndPoint Client = new(IPAddress.Parse("127.0.0.2"), 40000);
    private static readonly IPEndPoint Server = new(IPAddress.Loopback, 2525);
    private readonly SmtpOptions _options = new() { HostName = "relay.smarthostlab.test" };
    private readonly NoOpSessionHandler _handler = new();
    private readonly SmtpMetrics _metrics = new();
    private byte[] _dataScript = [];
    private byte[] _bdatScript = [];

    /// <summary>Message size in octets.</summary>
    [Params(1024, 32 * 1024)]
    public int Size { get; set; }

    /// <summary>Builds the two client scripts and checks that each gets ten 250s.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var message = BenchMessage.Create(Size, "contoso.test", signed: false);
        var envelope = "MAIL FROM:<bench@contoso.test> SIZE=" + message.Raw.Length + "\r\nRCPT TO:<rcpt@example.com>\r\n";
        var data = new List<byte>(Encoding.ASCII.GetBytes("EHLO client.contoso.test\r\n"));
        var bdat = new List<byte>(data);
        for (var i = 0; i < MessagesPerSession; i++)
        {
            data.AddRange(Encoding.ASCII.GetBytes(envelope + "DATA\r\n"));
            data.AddRange(message.DataPayload);
            bdat.AddRange(Encoding.ASCII.GetBytes(envelope + $"BDAT {message.Raw.Length} LAST\r\n"));
            bdat.AddRange(message.Raw);
        }
        data.AddRange("QUIT\r\n"u8.ToArray());
        bdat.AddRange("QUIT\r\n"u8.ToArray());
        _dataScript = [.. data];
        _bdatScript = [.. bdat];
        foreach (var script in new[] { _dataScript, _bdatScript })
        {
            var replies = RunAsync(script).GetAwaiter().GetResult();
            var queued = replies.Split("250 2.0.0 Queued").Length - 1;
            if (queued != MessagesPerSession) throw new InvalidOperationException($"session fixture got {queued} of {MessagesPerSession} messages queued:\n{replies}");
        }
    }

    /// <summary>Releases the meter.</summary>
    [GlobalCleanup]
    public void Cleanup() => _metrics.Dispose();

    /// <summary>Ten messages with DATA.</summary>
    [Benchmark(Baseline = true)]
    public Task Data() => RunSessionAsync(_dataScript);

    /// <summary>Ten messages with BDAT n LAST.</summary>
    [Benchmark]
    public Task Bdat() => RunSessionAsync(_bdatScript);

    private async Task RunSessionAsync(byte[] script)
    {
        var pipe = new InMemoryDuplexPipe(script);
        var context = new SessionContext("bench", Client, Server);
        await new SmtpSession(pipe, context, _handler, _options, metrics: _metrics).RunAsync().ConfigureAwait(false);
        await pipe.Replies.Reader.CompleteAsync().ConfigureAwait(false);
    }

    private async Task<string> RunAsync(byte[] script)
    {
        var pipe = new InMemoryDuplexPipe(script);
        await new SmtpSession(pipe, new SessionContext("check", Client, Server), _handler, _options, metrics: _metrics).RunAsync().ConfigureAwait(false);
        var result = await pipe.Replies.Reader.ReadAsync().ConfigureAwait(false);
        var text = Encoding.ASCII.GetString(result.Buffer.ToArray());
        await pipe.Replies.Reader.CompleteAsync().ConfigureAwait(false);
        return text;
    }
}
