using System.Buffers;
using System.IO.Pipelines;
using System.Net.Security;
using System.Security.Authentication;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using SmarthostLab.Smtp.Protocol;
using SmarthostLab.Smtp.Session;

namespace SmarthostLab.Smtp.Server;

/// <summary>
/// One SMTP server session (RFC 5321) over a duplex pipe: greeting, the command loop with PIPELINING
/// (RFC 2920: all buffered commands are answered in order, replies are flushed when the input is drained or
/// before blocking), DATA, BDAT (RFC 3030), STARTTLS (RFC 3207), limits and timeouts. Knows nothing of storage:
/// every decision beyond the protocol is asked of the <see cref="ISmtpSessionHandler"/>.
/// Errors come in two tiers: protocol errors are replies and the session goes on; transport errors and
/// unexpected exceptions are logged once in <see cref="RunAsync"/> and close the session.
/// </summary>
public sealed partial class SmtpSession
{
    /// <summary>Refusals logged one by one per session; the rest are counted in one line at its end.</summary>
    internal const int LoggedRefusalsPerSession = 10;

    private static readonly SmtpMetrics DefaultMetrics = new();
    private readonly SessionContext _context;
    private readonly ISmtpSessionHandler _handler;
    private readonly SmtpOptions _options;
    private readonly X509Certificate2? _certificate;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SmtpMetrics _metrics;
    private readonly string _host;
    private IDuplexPipe _transport;
    private PipeReader _input;
    private PipeWriter _output;
    private SslStream? _tls;
    private SmtpCommandReader _commands;
    private SmtpState _state;
    private Envelope? _envelope;
    private MessageContent? _content;
    private SmtpDataDecoder? _decoder;
    private SmtpReply? _ehloReply;
    private int _badCommands;
    private int _refusalsLogged;
    private int _refusalsNotLogged;
    private bool _needMoreInput;
    private bool _unflushed;
    private ITimer? _timer;
    private volatile bool _timedOut;
    private volatile bool _stopping;
    private volatile bool _closed;
    private int _flushing;
    private bool _writeAborted;
    private CancellationToken _aborted;

    /// <summary>Creates a session over <paramref name="transport"/>; call <see cref="RunAsync"/> once.</summary>
    /// <param name="transport">The connection's pipes (Kestrel's transport, or in-memory pipes in tests).</param>
    /// <param name="context">What is known about the connection; filled in as the dialog goes on.</param>
    /// <param name="handler">Decides on connect, MAIL, RCPT and the message.</param>
    /// <param name="options">Limits and timeouts.</param>
    /// <param name="certificate">Server certificate for STARTTLS; null: STARTTLS is not offered.</param>
    /// <param name="timeProvider">Clock for timeouts; default <see cref="TimeProvider.System"/>.</param>
    /// <param name="logger">Logger; default none.</param>
    /// <param name="metrics">Instruments; default a private meter.</param>
    public SmtpSession(IDuplexPipe transport, SessionContext context, ISmtpSessionHandler handler, SmtpOptions options,
        X509Certificate2? certificate = null, TimeProvider? timeProvider = null, ILogger? logger = null, SmtpMetrics? metrics = null)
    {
        _transport = transport;
        _input = transport.Input;
        _output = transport.Output;
        _context = context;
        _handler = handler;
        _options = options;
        _certificate = certificate;
        _time = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger.Instance;
        _metrics = metrics ?? DefaultMetrics;
        _host = HostNameOf(options);
    }

    /// <summary>
    /// Tears the connection down at once, unsent replies dropped (Kestrel: <c>ConnectionContext.Abort</c>), when the
    /// client does not take its replies in time. Null (in-memory pipes): the pipes are only completed.
    /// </summary>
    internal Action? AbortTransport { get; init; }

    /// <summary>The connection's place in the limiter's counts, moved to the refused budget when the handler refuses; null: no limiter.</summary>
    internal SmtpConnectionSlot? Slot { get; init; }

    /// <summary>The name the server gives itself: <see cref="SmtpOptions.HostName"/> or the machine name.</summary>
    public static string HostNameOf(SmtpOptions options) =>
        string.IsNullOrWhiteSpace(options.HostName) ? Environment.MachineName : options.HostName;

    /// <summary>
    /// Runs the session until QUIT, a fatal limit, a timeout, shutdown or the end of the connection. Never throws
    /// for connection errors (they are logged); the transport's pipes are completed on return.
    /// </summary>
    /// <param name="stopping">Graceful shutdown: a session waiting for a command gets 421 4.3.2; one inside DATA/BDAT finishes its message.</param>
    /// <param name="aborted">The connection is gone: passed on to the handler calls.</param>
    public async Task RunAsync(CancellationToken stopping = default, CancellationToken aborted = default)
    {
        _aborted = aborted;
        _stoppingToken = stopping;
        if (_context.ProxyPeer is { } via) SmtpLog.SessionStartedVia(_logger, _context.Id, _context.RemoteEndPoint, via);
        else SmtpLog.SessionStarted(_logger, _context.Id, _context.RemoteEndPoint);
        _timer = _time.CreateTimer(static s => ((SmtpSession)s!).OnTimer(), this, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        var stopRegistration = stopping.Register(static s => ((SmtpSession)s!).OnStopping(), this);
        try
        {
            if (await GreetAsync().ConfigureAwait(false))
                await CommandLoopAsync().ConfigureAwait(false);
            await FlushAsync(_state == SmtpState.Refused ? null : _options.CommandTimeout).ConfigureAwait(false);
        }
        catch (Exception ex) when (IsConnectionError(ex))
        {
            if (!_writeAborted) SmtpLog.ConnectionLost(_logger, _context.Id, ex.GetType().Name + ": " + ex.Message);
        }
        catch (Exception ex)
        {
            SmtpLog.UnexpectedError(_logger, _context.Id, ex);
        }
        finally
        {
            _closed = true;
            stopRegistration.Dispose();
            _timer.Dispose();
            _content?.Dispose();
            try
            {
                _handler.OnClosed(_context);
            }
            catch (Exception ex)
            {
                SmtpLog.HandlerFailed(_logger, _context.Id, "close", ex);
            }
            try
            {
                await CloseAsync().ConfigureAwait(false);
            }
            catch (Exception ex) when (IsConnectionError(ex))
            {
                SmtpLog.ConnectionLost(_logger, _context.Id, ex.GetType().Name + ": " + ex.Message);
            }
            if (_refusalsNotLogged > 0) SmtpLog.RefusalsNotLogged(_logger, _context.Id, _refusalsNotLogged);
            SmtpLog.SessionEnded(_logger, _context.Id);
        }
    }

    private static bool IsConnectionError(Exception ex) =>
        ex is IOException or ConnectionResetException or ConnectionAbortedException or ObjectDisposedException
            or AuthenticationException or OperationCanceledException;

    private async ValueTask CloseAsync()
    {
        if (_tls is not null)
        {
            await _input.CompleteAsync().ConfigureAwait(false);
            await _output.CompleteAsync().ConfigureAwait(false);
            await _tls.DisposeAsync().ConfigureAwait(false);
        }
        await _transport.Input.CompleteAsync().ConfigureAwait(false);
        await _transport.Output.CompleteAsync().ConfigureAwait(false);
    }

    private void OnTimer()
    {
        if (_closed) return;
        _timedOut = true;
        CancelPendingIo();
        CancelPause();
    }

    private void OnStopping()
    {
        _stopping = true;
        if (_closed) return;
        CancelPendingIo();
    }

    /// <summary>
    /// From the timer or the stopping token: wakes a pending read, and a flush the client is holding up (the
    /// session then aborts the connection). The fence pairs with the one in <see cref="FlushAsync"/>, so a flush
    /// that starts as the flag is set is either cancelled here or sees the flag there.
    /// </summary>
    private void CancelPendingIo()
    {
        Interlocked.MemoryBarrier();
        _input.CancelPendingRead();
        if (Volatile.Read(ref _flushing) != 0) _output.CancelPendingFlush();
    }

    /// <summary>Sends the greeting, or the handler's refusal in its place (RFC 5321 3.1). False: close now.</summary>
    private async ValueTask<bool> GreetAsync()
    {
        SmtpReply? refusal;
        _context.RefusalReason = null;
        if (_context.ProxyLocal)
        {
            Reply(SmtpReplies.Greeting(_host)); // the balancer's own connection (PROXY LOCAL): a health check is answered, not admitted
            return true;
        }
        try
        {
            refusal = await _handler.OnConnectAsync(_context, _aborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (!_aborted.IsCancellationRequested)
        {
            SmtpLog.HandlerFailed(_logger, _context.Id, "connect", ex);
            Refuse("connect", SmtpReplies.ConnectFailure(_host), "handler-error");
            return false;
        }
        if (refusal is null && _context.Refused) refusal = new SmtpReply(554, "5.7.1", "Session refused");
        if (refusal is { IsPositive: false })
        {
            _context.Refused = true;
            CountHandlerRefusal();
            if (refusal.Code == 421) // "service not available, closing transmission channel" (RFC 5321 3.8)
            {
                Reply(refusal);
                return false;
            }
            return EnterRefused(refusal);
        }
        if (refusal is null && await ConnectFaultAsync().ConfigureAwait(false) is { } faulted) return faulted;
        Reply(refusal ?? SmtpReplies.Greeting(_host));
        return true;
    }

    /// <summary>Sends a refusal in place of the greeting and enters the refused state (RFC 5321 3.1). False: close now.</summary>
    private bool EnterRefused(SmtpReply refusal)
    {
        Reply(refusal);
        if (Slot is { } slot && !slot.TryMoveToRefused())
        {
            SmtpLog.RefusedBudgetFull(_logger, _context.Id, _options.MaxRefusedConnections);
            return false; // past the refused budget: the refusal alone, then close at once
        }
        _state = SmtpState.Refused;
        Arm(_options.RefusedSessionTimeout); // the whole life of the session, never re-armed
        return true;
    }

    /// <summary>Queues a reply (not yet flushed) and records it in the transcript.</summary>
    private void Reply(SmtpReply reply)
    {
        if (_tarpitRate > 0)
        {
            QueueSlowReply(reply); // a fault's tarpit: written slowly by FlushAsync
            return;
        }
        SmtpReplyWriter.Write(_output, reply);
        _context.Transcript.Server(reply);
        _unflushed = true;
    }

    /// <summary>Sends a refusal made by the SMTP layer itself and records it (metrics, log, handler).</summary>
    private void Refuse(string stage, SmtpReply reply, string reason)
    {
        Reply(reply);
        RecordRefusal(stage, reply, reason);
    }

    /// <summary>Counts a negative reply of the handler under the reason it gave (<see cref="SessionContext.RefusalReason"/>), else "handler".</summary>
    private void CountHandlerRefusal() => _metrics.Refusal(_context.RefusalReason ?? "handler");

    /// <summary>Records a refusal of the SMTP layer: metrics, log and <see cref="ISmtpSessionHandler.OnRefused"/>.</summary>
    private void RecordRefusal(string stage, SmtpReply reply, string reason)
    {
        _metrics.Refusal(reason);
        if (_refusalsLogged < LoggedRefusalsPerSession)
        {
            _refusalsLogged++;
            SmtpLog.Refused(_logger, _context.Id, stage, reply.ToString(), reason);
        }
        else
        {
            _refusalsNotLogged++;
        }
        try
        {
            _handler.OnRefused(_context, new SmtpRefusal(stage, reply, reason));
        }
        catch (Exception ex)
        {
            SmtpLog.RefusalHandlerFailed(_logger, _context.Id, ex);
        }
    }

    /// <summary>
    /// Flushes the queued replies. A client that does not take them is never waited for past the session's bound:
    /// the timer (armed here with <paramref name="bound"/> if the flush has to wait; null: the caller armed it, or
    /// the refused session's deadline runs) cancels the wait; once the session has timed out or the host is stopping,
    /// a flush that cannot complete at once is not waited for at all. Either way the connection is aborted.
    /// </summary>
    private async ValueTask FlushAsync(TimeSpan? bound = null)
    {
        if (!_unflushed) return;
        if (_slowReply is not null)
        {
            await WriteSlowReplyAsync(bound).ConfigureAwait(false);
            return;
        }
        _unflushed = false;
        var flush = _output.FlushAsync();
        if (!flush.IsCompleted)
        {
            var over = _timedOut || _stopping;
            if (!over && bound is { } b) Arm(b);
            Interlocked.Exchange(ref _flushing, 1);
            if (over || _timedOut || _stopping) _output.CancelPendingFlush();
            FlushResult waited;
            try
            {
                waited = await flush.ConfigureAwait(false);
            }
            finally
            {
                Volatile.Write(ref _flushing, 0);
                if (!over && bound is not null) Disarm();
            }
            if (waited.IsCanceled) AbortBlockedWrite();
            return;
        }
        if (flush.Result.IsCanceled) AbortBlockedWrite();
    }

    /// <summary>The client is not reading its replies: abort the connection (log-and-close tier).</summary>
    private void AbortBlockedWrite()
    {
        _writeAborted = true;
        SmtpLog.WriteBlocked(_logger, _context.Id, _stopping && !_timedOut ? "the host is stopping" : "timeout");
        AbortTransport?.Invoke();
        throw new ConnectionAbortedException("the client did not read its replies");
    }

    private void Arm(TimeSpan timeout)
    {
        _timedOut = false;
        _timer!.Change(timeout, Timeout.InfiniteTimeSpan);
    }

    private void Disarm() => _timer!.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);

    /// <summary>
    /// Returns buffered input without waiting when there is some not yet examined (PIPELINING); otherwise
    /// flushes pending replies and waits, both bounded by <paramref name="timeout"/> (null: the timer is left as is).
    /// </summary>
    private async ValueTask<ReadResult> ReadAsync(TimeSpan? timeout)
    {
        if (!_needMoreInput && _input.TryRead(out var buffered))
        {
            if (!buffered.Buffer.IsEmpty || buffered.IsCompleted || buffered.IsCanceled) return buffered;
            _input.AdvanceTo(buffered.Buffer.Start);
        }
        if (_slowReply is not null) await FlushAsync(timeout).ConfigureAwait(false); // a tarpit, before the client's clock runs
        if (timeout is { } t) Arm(t);
        try
        {
            await FlushAsync().ConfigureAwait(false);
            return await _input.ReadAsync().ConfigureAwait(false);
        }
        finally
        {
            if (timeout is not null) Disarm();
        }
    }

    /// <summary>Consumes input up to <paramref name="consumed"/>; <paramref name="needMore"/>: all of it was examined.</summary>
    private void Advance(in ReadOnlySequence<byte> buffer, SequencePosition consumed, bool needMore)
    {
        _input.AdvanceTo(consumed, needMore ? buffer.End : consumed);
        _needMoreInput = needMore;
    }

    private static string StageOf(SmtpCommandKind kind) => kind switch
    {
        SmtpCommandKind.Helo or SmtpCommandKind.Ehlo => "helo",
        SmtpCommandKind.Mail => "mail",
        SmtpCommandKind.Rcpt => "rcpt",
        SmtpCommandKind.Data => "data",
        SmtpCommandKind.Bdat => "bdat",
        SmtpCommandKind.StartTls => "starttls",
        SmtpCommandKind.Auth => "auth",
        _ => "command",
    };

    /// <summary>The handler threw: logged, recorded, and answered with 451 4.3.0 by the caller (reply-and-continue tier).</summary>
    private SmtpReply HandlerFailed(string stage, Exception ex)
    {
        SmtpLog.HandlerFailed(_logger, _context.Id, stage, ex);
        RecordRefusal(stage, SmtpReplies.TemporaryFailure, "handler-error");
        return SmtpReplies.TemporaryFailure;
    }

    private void ResetTransaction()
    {
        _envelope = null;
        _content?.Clear();
        if (_state != SmtpState.Refused) _state = _context.Helo is null ? SmtpState.Greeted : SmtpState.Ready;
    }
}
