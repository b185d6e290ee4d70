using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using Microsoft.Extensions.Logging;
using SmarthostLab.Smtp;
using SmarthostLab.Smtp.Protocol;
using SmarthostLab.Smtp.Server;
using SmarthostLab.Smtp.Session;

namespace SmarthostLab.Fuzz.Targets;

/// <summary>
/// Runs one <see cref="SmtpSession"/> over in-memory pipes: the client's octets are all written (and the client side
/// completed) before the session starts, so it sees them pipelined and then the end of the connection. Replies are
/// collected without back-pressure. A session that does not end within <see cref="Limit"/> is a hang; an error-level
/// log (unexpected exception, handler failure) is a crash.
/// </summary>
internal static class SessionRunner
{
    /// <summary>How long a session fed a finished input may take; far above what one input ever needs.</summary>
    public static readonly TimeSpan Limit = TimeSpan.FromSeconds(10);

    private static readonly PipeOptions Unbounded = new(pauseWriterThreshold: 0, resumeWriterThreshold: 0, useSynchronizationContext: false);

    /// <summary>The options the targets use: limits small enough for a fuzzer's inputs to reach them, nothing on disk.</summary>
    public static SmtpOptions Options(long maxMessageSize, long maxHeaderSize) => new()
    {
        HostName = "fuzz.test",
        MaxMessageSize = maxMessageSize,
        MaxHeaderSize = maxHeaderSize,
        SpoolThreshold = maxMessageSize, // never spooled: the whole message stays in memory
        MaxRecipients = 8,
        MaxBadCommands = 20,
        StartTls = false,
    };

    /// <summary>What one session did.</summary>
    public sealed record Result(byte[] Output, List<string> Replies, List<byte[]> Messages, List<SmtpRefusal> Refusals);

    /// <summary>Runs a session on <paramref name="client"/> and checks that it ended cleanly with well-formed replies.</summary>
    public static Result Run(ReadOnlySpan<byte> client, SmtpOptions options)
    {
        var toServer = new Pipe(Unbounded);
        var toClient = new Pipe(Unbounded);
        toServer.Writer.Write(client);
        toServer.Writer.FlushAsync().AsTask().GetAwaiter().GetResult();
        toServer.Writer.Complete();

        var handler = new Handler();
        var logger = new ErrorLogger();
        var context = new SessionContext("fuzz", new IPEndPoint(IPAddress.Parse("192.0.2.1"), 40000), new IPEndPoint(IPAddress.Loopback, 25));
        var session = new SmtpSession(new Duplex(toServer.Reader, toClient.Writer), context, handler, options, logger: logger);
        var run = session.RunAsync();
        bool ended;
        try
        {
            ended = run.Wait(Limit);
        }
        catch (AggregateException e)
        {
            throw new FuzzInvariantException("the session threw", e.InnerException);
        }
        FuzzInvariantException.Check(ended, () => $"the session did not end within {Limit.TotalSeconds:0} s of the end of its input");
        if (logger.Error is { } error) throw new FuzzInvariantException("the session logged an error: " + error.Message, error.Exception);

        FuzzInvariantException.Check(toClient.Reader.TryRead(out var read), "the session did not complete its output");
        FuzzInvariantException.Check(read.IsCompleted, "the session ended without completing its output");
        var output = read.Buffer.ToArray();
        toClient.Reader.AdvanceTo(read.Buffer.End);
        var replies = ReplyChecks.ParseWire(output);
        return new Result(output, replies, [.. handler.Messages], [.. handler.Refusals]);
    }

    private sealed class Duplex(PipeReader input, PipeWriter output) : IDuplexPipe
    {
        public PipeReader Input { get; } = input;
        public PipeWriter Output { get; } = output;
    }

    /// <summary>Accepts everything but recipients whose local part starts with "no" (550), and keeps each message.</summary>
    private sealed class Handler : ISmtpSessionHandler
    {
        public List<byte[]> Messages { get; } = [];
        public List<SmtpRefusal> Refusals { get; } = [];

        public ValueTask<SmtpReply?> OnConnectAsync(SessionContext session, CancellationToken cancellationToken) => ValueTask.FromResult<SmtpReply?>(null);

        public ValueTask<SmtpReply?> OnMailFromAsync(SessionContext session, Envelope envelope, CancellationToken cancellationToken) =>
            ValueTask.FromResult<SmtpReply?>(null);

        public ValueTask<SmtpReply?> OnRecipientAsync(SessionContext session, Envelope envelope, string recipient, CancellationToken cancellationToken) =>
            ValueTask.FromResult(recipient.StartsWith("no", StringComparison.OrdinalIgnoreCase)
                ? new SmtpReply(550, "5.1.1", "No such recipient here")
                : null);

        public ValueTask<SmtpReply> OnMessageAsync(SessionContext session, Envelope envelope, MessageContent content, CancellationToken cancellationToken)
        {
            Messages.Add(content.ToArray());
            return ValueTask.FromResult(new SmtpReply(250, "2.0.0", "Queued as FUZZ"));
        }

        public void OnRefused(SessionContext session, SmtpRefusal refusal) => Refusals.Add(refusal);
    }

    /// <summary>Keeps the first error-level entry: the session logs its unexpected exceptions instead of throwing them.</summary>
    private sealed class ErrorLogger : ILogger
    {
        public (string Message, Exception? Exception)? Error { get; private set; }

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (logLevel >= LogLevel.Error) Error ??= ($"[{eventId.Id}] {formatter(state, exception)}", exception);
        }
    }
}
