using System.Buffers;
using SmarthostLab.Smtp.Protocol;
using SmarthostLab.Smtp.Session;

namespace SmarthostLab.Smtp.Server;

/// <summary>
/// Fault injection (issue 14): the stage hook <see cref="ISmtpSessionHandler.OnStageAsync"/> and what the session
/// does with an <see cref="SmtpFault"/>. Nothing here runs for a stage without a fault but one interface call that
/// completes at once. Delays and tarpit pauses run on the session's <see cref="TimeProvider"/> and end early when the
/// host stops, the connection is gone or the session's timer fires (a refused session's deadline), so a fault never
/// keeps a session past its bounds: a stopping host gets every pending reply at once.
/// </summary>
public sealed partial class SmtpSession
{
    /// <summary>Most writes per second of a tarpitted reply (it goes out in pieces of rate/10 octets, at least one).</summary>
    private const int TarpitWritesPerSecond = 10;

    private CancellationToken _stoppingToken;
    private int _tarpitRate;     // octets/s of the next reply; 0: at once
    private byte[]? _slowReply;  // a reply to write at _slowRate before anything else is flushed
    private int _slowRate;
    private CancellationTokenSource? _pause; // the running fault delay; cancelled by the timer and by stopping
    private (long Octets, SmtpFault Fault)? _dropAfter; // DATA under a close-after-N fault, for ReceiveDataAsync
    private SmtpFault? _chunkFault; // the fault of the BDAT command being read, for ReceiveChunkAsync

    /// <summary>Asks the handler for a fault at <paramref name="stage"/>; arms the tarpit of the stage's reply. Null: none.</summary>
    private async ValueTask<SmtpFault?> FaultAtAsync(SmtpStage stage, SmtpStageInput input)
    {
        SmtpFault? fault;
        _context.RefusalReason = null;
        try
        {
            fault = await _handler.OnStageAsync(_context, stage, input, _aborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (!_aborted.IsCancellationRequested)
        {
            SmtpLog.HandlerFailed(_logger, _context.Id, "stage " + stage, ex);
            return null;
        }
        if (fault is null) return null;
        _context.Transcript.Note($"<fault {fault.Rule} at {stage}>");
        if (fault.TarpitOctetsPerSecond > 0) _tarpitRate = fault.TarpitOctetsPerSecond;
        return fault;
    }

    /// <summary>
    /// The fault of a stage answered by one reply (EHLO/HELO, STARTTLS, MAIL, RCPT, end of data): null when there is
    /// none or it leaves the answer to the normal path (a delay, a tarpit); else what the command loop does next,
    /// the fault's refusal sent (<see cref="Next.Close"/> after a 421 or for a close without reply).
    /// </summary>
    private async ValueTask<Next?> StageFaultAsync(SmtpStage stage, SmtpStageInput input)
    {
        var fault = await FaultAtAsync(stage, input).ConfigureAwait(false);
        return fault is null ? null : await ApplyFaultAsync(fault, stage).ConfigureAwait(false);
    }

    /// <summary>
    /// Waits the fault's delay, then closes or sends its refusal (see <see cref="StageFaultAsync"/>). At MAIL and RCPT a
    /// 5xx counts against <see cref="SmtpOptions.MaxBadCommands"/> as the handler's own 5xx does.
    /// </summary>
    private async ValueTask<Next?> ApplyFaultAsync(SmtpFault fault, SmtpStage stage)
    {
        await PauseAsync(fault.Delay).ConfigureAwait(false);
        if (fault.Close)
        {
            FaultClosed(fault, "without a reply");
            return Next.Close;
        }
        if (fault.Reply is not { IsPositive: false } reply) return null;
        CountFaultRefusal();
        if (reply.Code != 421 && stage is SmtpStage.Mail or SmtpStage.Rcpt) return HandlerRefused(stage == SmtpStage.Mail ? "mail" : "rcpt", reply);
        Reply(reply);
        return reply.Code == 421 ? Next.Close : Next.Continue;
    }

    /// <summary>
    /// The fault at connect (the handler admitted the client): null when the greeting goes out as usual, else the
    /// result of <see cref="GreetAsync"/>. A 5xx reply opens a refused session, a 4xx one closes after it (RFC 5321 3.1).
    /// </summary>
    private async ValueTask<bool?> ConnectFaultAsync()
    {
        var fault = await FaultAtAsync(SmtpStage.Connect, default).ConfigureAwait(false);
        if (fault is null) return null;
        await PauseAsync(fault.Delay).ConfigureAwait(false);
        if (fault.Close)
        {
            FaultClosed(fault, "without a greeting");
            return false;
        }
        if (fault.Reply is not { IsPositive: false } reply) return null;
        CountFaultRefusal();
        if (reply.IsTransient)
        {
            Reply(reply);
            return false;
        }
        _context.Refused = true;
        return EnterRefused(reply);
    }

    /// <summary>
    /// The DATA command's fault: the normal 354 path unless it refuses or closes; a close after N octets is kept for
    /// <see cref="ReceiveDataAsync"/> (the delay comes before the 354).
    /// </summary>
    private async ValueTask<Next> DataFaultAsync()
    {
        var fault = await FaultAtAsync(SmtpStage.Data, new(null, _envelope, null, null)).ConfigureAwait(false);
        if (fault is null) return Next.Data;
        if (fault.CloseAfterOctets is { } octets)
        {
            await PauseAsync(fault.Delay).ConfigureAwait(false);
            _dropAfter = (octets, fault);
            return Next.Data;
        }
        return await ApplyFaultAsync(fault, SmtpStage.Data).ConfigureAwait(false) ?? Next.Data;
    }

    /// <summary>A close in the middle of the data: <paramref name="octets"/> were read, nothing is stored, no reply.</summary>
    private void DroppedInData(SmtpFault fault, long octets)
    {
        _dropAfter = null;
        _context.Transcript.Note($"<{octets} octets of message data>");
        FaultClosed(fault, "in the middle of the data");
    }

    /// <summary>A fault that drops the line: noted in the transcript and counted as a refusal.</summary>
    private void FaultClosed(SmtpFault fault, string how)
    {
        _tarpitRate = 0;
        _context.Transcript.Note($"<connection closed {how} (fault {fault.Rule})>");
        CountFaultRefusal();
    }

    /// <summary>Counts a refusing fault in <c>smtp.refusals</c> under the handler's reason, else "fault".</summary>
    private void CountFaultRefusal() => _metrics.Refusal(_context.RefusalReason ?? "fault");

    /// <summary>
    /// Waits <paramref name="delay"/> (at most <see cref="SmtpFault.MaxDelay"/>) on the session's clock. Ends early,
    /// without an error, when the host stops or the session's timer fires; throws when the connection is gone.
    /// </summary>
    private async ValueTask PauseAsync(TimeSpan delay)
    {
        if (delay <= TimeSpan.Zero || _stopping || _timedOut) return;
        if (delay > SmtpFault.MaxDelay) delay = SmtpFault.MaxDelay;
        // The replies to what was pipelined before go out first, as from a server that is slow on this command only.
        await FlushAsync(_state == SmtpState.Refused ? null : _options.CommandTimeout).ConfigureAwait(false);
        var pause = CancellationTokenSource.CreateLinkedTokenSource(_stoppingToken, _aborted);
        Volatile.Write(ref _pause, pause);
        try
        {
            // The flags may have been set between the check above and the field being visible to OnTimer/OnStopping.
            if (_stopping || _timedOut) return;
            await Task.Delay(delay, _time, pause.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!_aborted.IsCancellationRequested)
        {
            // stopping, or the session's deadline: answer now
        }
        finally
        {
            Volatile.Write(ref _pause, null);
            pause.Dispose();
        }
        _aborted.ThrowIfCancellationRequested();
    }

    /// <summary>From the timer and the stopping token: ends a running fault delay.</summary>
    private void CancelPause()
    {
        try
        {
            Volatile.Read(ref _pause)?.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // the pause ended meanwhile
        }
    }

    /// <summary>Keeps a tarpitted reply aside: <see cref="FlushAsync"/> writes it slowly, in order, before anything after it.</summary>
    private void QueueSlowReply(SmtpReply reply)
    {
        _slowReply = SmtpReplyWriter.ToBytes(reply);
        _slowRate = _tarpitRate;
        _tarpitRate = 0;
        _context.Transcript.Server(reply);
        _unflushed = true;
    }

    /// <summary>
    /// Writes the tarpitted reply at its rate: the replies queued before it first, then pieces of rate/10 octets (at
    /// least one), each flushed under <paramref name="bound"/> like any reply, with pauses between them. The whole
    /// takes at most <see cref="SmtpFault.MaxDelay"/>; once the host stops or the session times out the rest goes at once.
    /// </summary>
    private async ValueTask WriteSlowReplyAsync(TimeSpan? bound)
    {
        var bytes = _slowReply!;
        var rate = Math.Max(_slowRate, (int)Math.Ceiling(bytes.Length / SmtpFault.MaxDelay.TotalSeconds));
        _slowReply = null;
        await FlushAsync(bound).ConfigureAwait(false);
        var piece = Math.Max(1, rate / TarpitWritesPerSecond);
        var interval = TimeSpan.FromSeconds((double)piece / rate);
        for (var offset = 0; offset < bytes.Length; offset += piece)
        {
            if (offset > 0) await PauseAsync(interval).ConfigureAwait(false);
            var length = _stopping || _timedOut ? bytes.Length - offset : Math.Min(piece, bytes.Length - offset);
            _output.Write(bytes.AsSpan(offset, length));
            _unflushed = true;
            await FlushAsync(bound).ConfigureAwait(false);
            if (length > piece) break;
        }
    }
}
