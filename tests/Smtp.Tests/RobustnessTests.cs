using System.Diagnostics.Metrics;
using System.Text;
using SmarthostLab.Smtp.Protocol;
using SmarthostLab.Smtp.Server;
using SmarthostLab.Smtp.Session;
using SmarthostLab.Smtp.Tests.Support;

namespace SmarthostLab.Smtp.Tests;

public sealed class RobustnessTests
{
    private sealed class ThrowingHandler : ISmtpSessionHandler
    {
        public bool ThrowAtConnect { get; init; }
        public List<SmtpRefusal> Refusals { get; } = [];

        public ValueTask<SmtpReply?> OnConnectAsync(SessionContext session, CancellationToken cancellationToken) =>
            ThrowAtConnect ? throw new InvalidOperationException("boom") : ValueTask.FromResult<SmtpReply?>(null);
        public ValueTask<SmtpReply?> OnMailFromAsync(SessionContext session, Envelope envelope, CancellationToken cancellationToken) =>
            ValueTask.FromResult<SmtpReply?>(null);
        public ValueTask<SmtpReply?> OnRecipientAsync(SessionContext session, Envelope envelope, string recipient, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("store down");
        public ValueTask<SmtpReply> OnMessageAsync(SessionContext session, Envelope envelope, MessageContent content, CancellationToken cancellationToken) =>
            throw new InvalidOperationException("store down");
        public void OnRefused(SessionContext session, SmtpRefusal refusal) => Refusals.Add(refusal);
    }

    [Fact]
    public async Task A_failing_handler_gets_451_and_the_session_goes_on()
    {
        var pipes = new System.IO.Pipelines.Pipe();
        var output = new System.IO.Pipelines.Pipe();
        var context = new SessionContext("t", new(System.Net.IPAddress.Loopback, 1), new(System.Net.IPAddress.Loopback, 25));
        var handler = new ThrowingHandler();
        var session = new SmtpSession(new Duplex(pipes.Reader, output.Writer), context, handler, new SmtpOptions { HostName = "relay.test" });
        var run = session.RunAsync();
        await pipes.Writer.WriteAsync("EHLO a.test\r\nMAIL FROM:<a@a.test>\r\nRCPT TO:<b@b.test>\r\nNOOP\r\nQUIT\r\n"u8.ToArray());
        await run.WaitAsync(TimeSpan.FromSeconds(5));
        var text = await ReadAllAsync(output.Reader);
        Assert.Contains("\r\n451 4.3.0 Temporary server error, please try again later\r\n250 2.0.0 OK\r\n221 2.0.0", text);
        Assert.Contains(handler.Refusals, r => r is { Stage: "rcpt", Reason: "handler-error" });
    }

    [Fact]
    public async Task A_handler_failing_at_connect_gets_421_and_close()
    {
        var input = new System.IO.Pipelines.Pipe();
        var output = new System.IO.Pipelines.Pipe();
        var context = new SessionContext("t", new(System.Net.IPAddress.Loopback, 1), new(System.Net.IPAddress.Loopback, 25));
        var session = new SmtpSession(new Duplex(input.Reader, output.Writer), context, new ThrowingHandler { ThrowAtConnect = true }, new SmtpOptions { HostName = "relay.test" });
        await session.RunAsync().WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal("421 4.3.0 relay.test temporary server error, closing connection\r\n", await ReadAllAsync(output.Reader));
    }

    /// <summary>Random garbage never throws out of the session, never hangs, and every line is answered.</summary>
    [Fact]
    public async Task Random_input_is_answered_and_never_crashes_the_session()
    {
        var random = new Random(20261123);
        for (var round = 0; round < 30; round++)
        {
            var bytes = new byte[random.Next(1, 3000)];
            random.NextBytes(bytes);
            for (var i = 0; i < bytes.Length; i++) if (random.Next(20) == 0) bytes[i] = (byte)'\n';
            var options = PipeHarness.DefaultOptions();
            options.MaxBadCommands = 10_000;
            await using var h = PipeHarness.Start(options);
            await h.ReadReplyAsync();
            await h.SendAsync(bytes);
            await h.SendAsync("\r\nQUIT\r\n");
            string? line;
            var guard = 0;
            while ((line = await h.ReadLineAsync()) is not null && !line.StartsWith("221 ") && ++guard < 10_000)
                Assert.Matches("^[2-5][0-9][0-9][ -]", line);
        }
    }

    [Fact]
    public async Task Metrics_count_connections_commands_bytes_and_refusals()
    {
        var measurements = new List<(string Name, long Value, string? Tag)>();
        using var listener = new MeterListener();
        using var metrics = new SmtpMetrics();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (ReferenceEquals(instrument.Meter, metrics.Meter)) l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            string? tag = null;
            foreach (var t in tags) tag = t.Value?.ToString();
            lock (measurements) measurements.Add((instrument.Name, value, tag));
        });
        listener.Start();

        var input = new System.IO.Pipelines.Pipe();
        var output = new System.IO.Pipelines.Pipe();
        var context = new SessionContext("m", new(System.Net.IPAddress.Loopback, 1), new(System.Net.IPAddress.Loopback, 25));
        var session = new SmtpSession(new Duplex(input.Reader, output.Writer), context, new RecordingHandler(), new SmtpOptions { HostName = "relay.test" }, metrics: metrics);
        metrics.ConnectionOpened();
        var run = session.RunAsync();
        var wire = "EHLO a.test\r\nFOO\r\nMAIL FROM:<a@a.test>\r\nRCPT TO:<b@b.test>\r\nDATA\r\nhello\r\n.\r\nQUIT\r\n"u8.ToArray();
        await input.Writer.WriteAsync(wire);
        await run.WaitAsync(TimeSpan.FromSeconds(5));
        metrics.ConnectionClosed();
        listener.RecordObservableInstruments();

        lock (measurements)
        {
            Assert.Contains(("smtp.connections", 1L, (string?)null), measurements);
            Assert.Equal(0, measurements.Where(m => m.Name == "smtp.connections.active").Sum(m => m.Value));
            Assert.Equal(wire.Length, measurements.Where(m => m.Name == "smtp.bytes.received").Sum(m => m.Value));
            Assert.Contains(("smtp.commands", 1L, "MAIL"), measurements);
            Assert.Contains(("smtp.commands", 1L, "UNKNOWN"), measurements);
            Assert.Equal(6, measurements.Count(m => m.Name == "smtp.commands"));
            Assert.Contains(("smtp.refusals", 1L, "unknown-command"), measurements);
        }
    }

    [Fact]
    public async Task The_transcript_holds_the_dialog_but_not_the_message()
    {
        await using var h = await PipeHarness.StartWithEhloAsync();
        await h.SendAsync("MAIL FROM:<a@a.test>\r\nRCPT TO:<b@b.test>\r\nDATA\r\nSECRET BODY\r\n.\r\n");
        await h.ReadRepliesAsync(4);
        var transcript = h.Context.Transcript.ToString();
        Assert.StartsWith("S: 220 relay.test ESMTP SmarthostLab ready\r\nC: EHLO client.test\r\nS: 250-relay.test\r\nS: 250-PIPELINING\r\n", transcript);
        Assert.DoesNotContain("SECRET", transcript);
        Assert.Contains("*  <13 octets of message data>\r\nS: 250 2.0.0 Queued as TEST\r\n", transcript);
    }

    [Fact]
    public void The_options_validator_names_the_bad_key()
    {
        var result = new SmtpOptionsValidator().Validate(null, new SmtpOptions { CommandTimeout = TimeSpan.Zero, MaxRecipients = 0 });
        Assert.True(result.Failed);
        Assert.Contains("Smtp:CommandTimeout must be positive", result.FailureMessage);
        Assert.Contains("Smtp:MaxRecipients must be at least 1", result.FailureMessage);
        Assert.True(new SmtpOptionsValidator().Validate(null, new SmtpOptions()).Succeeded);
    }

    [Fact]
    public void Replies_are_written_with_enhanced_codes_and_multi_line_continuations()
    {
        Assert.Equal("552 5.3.4 Message size exceeds fixed maximum message size\r\n"u8.ToArray(), SmtpReplyWriter.ToBytes(SmtpReplies.MessageTooBig));
        Assert.Equal("250-a\r\n250-b\r\n250 c\r\n"u8.ToArray(), SmtpReplyWriter.ToBytes(new SmtpReply(250, "", "a\nb\nc")));
        Assert.Equal("250-2.0.0 a\r\n250 2.0.0 é\r\n", Encoding.UTF8.GetString(SmtpReplyWriter.ToBytes(new SmtpReply(250, "2.0.0", "a\né"))));
    }

    private static async Task<string> ReadAllAsync(System.IO.Pipelines.PipeReader reader)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        var sb = new StringBuilder();
        while (true)
        {
            var result = await reader.ReadAsync(cts.Token);
            foreach (var segment in result.Buffer) sb.Append(Encoding.UTF8.GetString(segment.Span));
            reader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted) return sb.ToString();
        }
    }

    private sealed class Duplex(System.IO.Pipelines.PipeReader input, System.IO.Pipelines.PipeWriter output) : System.IO.Pipelines.IDuplexPipe
    {
        public System.IO.Pipelines.PipeReader Input { get; } = input;
        public System.IO.Pipelines.PipeWriter Output { get; } = output;
    }
}
