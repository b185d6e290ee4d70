using System.Buffers;
using SmarthostLab.Smtp.Protocol;
using SmarthostLab.Smtp.Session;

namespace SmarthostLab.Smtp.Server;

public sealed partial class SmtpSession
{
    /// <summary>
    /// DATA (RFC 5321 4.1.1.4): 354, then message text until CRLF.CRLF, decoded by <see cref="SmtpDataDecoder"/>.
    /// A failed message is read to its end, stored nowhere, and answered once. False: close the session.
    /// </summary>
    private async ValueTask<bool> ReceiveDataAsync()
    {
        Reply(SmtpReplies.StartMailInput);
        if (_dropAfter is { Octets: <= 0 }) // a fault: drop the line right after the 354
        {
            await FlushAsync(_options.DataTimeout).ConfigureAwait(false);
            DroppedInData(_dropAfter.Value.Fault, 0);
            return false;
        }
        var content = Content();
        content.Clear();
        var decoder = _decoder ??= new SmtpDataDecoder(_options.BareLineFeed);
        decoder.Reset();
        var started = _time.GetTimestamp();
        while (true)
        {
            var result = await ReadAsync(DataWait(started, decoder.ReceivedOctets)).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (result.IsCanceled)
            {
                Advance(buffer, buffer.Start, needMore: false);
                if (!_timedOut) continue; // shutdown: the message may finish
                SmtpLog.Timeout(_logger, _context.Id, "data");
                Refuse("data", SmtpReplies.Timeout(_host), "timeout");
                return false;
            }
            // A fault's close after N octets: only that much is read, then the line is dropped (_dropAfter is read here,
            // not copied, so that a session without faults keeps its state machine as small as before).
            var done = Decode(decoder, _dropAfter is { } limit ? buffer.Slice(0, Math.Min(buffer.Length, limit.Octets - decoder.ReceivedOctets)) : buffer,
                content, out var used);
            _metrics.BytesReceived(used);
            Advance(buffer, buffer.GetPosition(used), needMore: !done);
            if (_dropAfter is { } dropped && (done || decoder.ReceivedOctets >= dropped.Octets))
            {
                DroppedInData(dropped.Fault, decoder.ReceivedOctets);
                ResetTransaction();
                return false;
            }
            if (done) break;
            if (result.IsCompleted) return false;
        }
        _context.Transcript.Note($"<{(decoder.Failed ? decoder.ReceivedOctets : content.Length)} octets of message data>");
        if (decoder.FailureReply is { } failure)
        {
            Refuse("data", failure, decoder.FailureReason!);
            ResetTransaction();
            return true;
        }
        if (ContentRefusal(content) is { } refused)
        {
            Refuse("data", refused.Reply, refused.Reason);
            ResetTransaction();
            return true;
        }
        return await EndOfDataAsync(content).ConfigureAwait(false);
    }

    /// <summary>
    /// The wait for the next block of message data: <see cref="SmtpOptions.DataTimeout"/>, but never past the command's
    /// deadline, DataTimeout plus <paramref name="received"/> octets at <see cref="SmtpOptions.MinDataRate"/> after
    /// <paramref name="started"/>. Past the deadline the wait is a tick, and the session answers 421 4.4.2.
    /// </summary>
    private TimeSpan DataWait(long started, long received)
    {
        if (_options.MinDataRate <= 0) return _options.DataTimeout;
        var left = _options.DataTimeout + TimeSpan.FromSeconds((double)received / _options.MinDataRate) - _time.GetElapsedTime(started);
        return left >= _options.DataTimeout ? _options.DataTimeout : left > TimeSpan.Zero ? left : TimeSpan.FromTicks(1);
    }

    private static bool Decode(SmtpDataDecoder decoder, in ReadOnlySequence<byte> buffer, MessageContent content, out long used)
    {
        used = 0;
        foreach (var segment in buffer)
        {
            var done = decoder.Decode(segment.Span, content, out var n);
            used += n;
            if (done) return true;
        }
        return false;
    }

    /// <summary>
    /// BDAT (RFC 3030 2): exactly <see cref="SmtpCommand.ChunkSize"/> octets follow the command, read raw (no line
    /// limit, no dot-stuffing). They are always consumed, even when the answer is a refusal. False: close.
    /// </summary>
    private async ValueTask<bool> ReceiveChunkAsync(SmtpCommand command)
    {
        SmtpReply? refusal = null;
        var reason = "";
        if (!SmtpStateTable.IsAllowed(_state, SmtpCommandKind.Bdat))
        {
            refusal = SmtpReplies.BadSequence;
            reason = "bad-sequence";
        }
        var content = Content();
        _chunkFault = null; // a field, not a local: a session without faults keeps its state machine as small as before
        if (refusal is null)
        {
            _chunkFault = await FaultAtAsync(SmtpStage.Bdat, new(null, _envelope, null, null)).ConfigureAwait(false);
            if (_chunkFault is { Close: true })
            {
                await PauseAsync(_chunkFault.Delay).ConfigureAwait(false);
                FaultClosed(_chunkFault, "without reading the chunk");
                return false;
            }
            if (_state != SmtpState.Chunking) content.Clear();
            if (content.Length + command.ChunkSize > _options.MaxMessageSize)
            {
                refusal = SmtpReplies.MessageTooBig;
                reason = "message-size";
                content.Clear();
            }
        }
        // A fault's close after N octets: read this much of the chunk, then drop the line.
        var remaining = _chunkFault?.CloseAfterOctets is { } limit ? Math.Clamp(limit, 0, command.ChunkSize) : command.ChunkSize;
        var started = _time.GetTimestamp();
        var wanted = remaining;
        while (remaining > 0)
        {
            var result = await ReadAsync(DataWait(started, wanted - remaining)).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (result.IsCanceled)
            {
                Advance(buffer, buffer.Start, needMore: false);
                if (!_timedOut) continue;
                SmtpLog.Timeout(_logger, _context.Id, "bdat");
                Refuse("bdat", SmtpReplies.Timeout(_host), "timeout");
                return false;
            }
            var take = Math.Min(remaining, buffer.Length);
            var chunk = buffer.Slice(0, take);
            if (refusal is null && _chunkFault?.CloseAfterOctets is null)
            {
                content.TryAppend(chunk);
                if (ContentRefusal(content) is { } refused)
                {
                    // Refused at the chunk that passes the limit (or could not be spooled); the rest of it is read and dropped.
                    (refusal, reason) = refused;
                    content.Clear();
                }
            }
            remaining -= take;
            _metrics.BytesReceived(take);
            Advance(buffer, chunk.End, needMore: take == buffer.Length && remaining > 0);
            if (remaining > 0 && result.IsCompleted) return false;
        }
        if (_chunkFault?.CloseAfterOctets is not null)
        {
            await PauseAsync(_chunkFault.Delay).ConfigureAwait(false);
            DroppedInData(_chunkFault, Math.Clamp(_chunkFault.CloseAfterOctets.Value, 0, command.ChunkSize));
            ResetTransaction();
            return false;
        }
        _context.Transcript.Note($"<{command.ChunkSize} octets of chunk data>");
        if (refusal is null && _chunkFault is not null && await ApplyFaultAsync(_chunkFault, SmtpStage.Bdat).ConfigureAwait(false) is { } faulted)
        {
            ResetTransaction(); // a refused chunk ends the transaction (RFC 3030 2), like the refusals below
            return faulted != Next.Close;
        }
        if (refusal is not null)
        {
            if (reason == "bad-sequence")
            {
                if (BadCommand("bdat", refusal, reason) == Next.Close) return false;
            }
            else
            {
                Refuse("bdat", refusal, reason);
                ResetTransaction();
            }
            return true;
        }
        if (!command.IsLast)
        {
            _state = SmtpState.Chunking;
            Reply(new SmtpReply(250, "2.0.0", $"{command.ChunkSize} octets received"));
            return true;
        }
        return await EndOfDataAsync(content).ConfigureAwait(false);
    }

    /// <summary>The whole message arrived: the end-of-data fault, if any, else the handler stores it. False: close.</summary>
    private async ValueTask<bool> EndOfDataAsync(MessageContent content)
    {
        if (await StageFaultAsync(SmtpStage.EndOfData, new(null, _envelope, null, content)).ConfigureAwait(false) is { } faulted)
        {
            ResetTransaction(); // refused: nothing stored
            return faulted != Next.Close;
        }
        await DeliverAsync(content).ConfigureAwait(false);
        return true;
    }

    /// <summary>The session's message buffer: up to Smtp:SpoolThreshold octets in memory, the rest in a spool file.</summary>
    private MessageContent Content() => _content ??= new MessageContent(_options.MaxMessageSize, _options.SpoolThreshold,
        string.IsNullOrEmpty(_options.SpoolFolder) ? Path.GetTempPath() : _options.SpoolFolder);

    /// <summary>
    /// A refusal of the content received so far: 552 5.3.4 for a header section over <see cref="SmtpOptions.MaxHeaderSize"/>,
    /// 452 4.3.1 when the message could not be written to its spool file (logged); else null.
    /// </summary>
    private (SmtpReply Reply, string Reason)? ContentRefusal(MessageContent content)
    {
        if (content.HeaderSectionLength > _options.MaxHeaderSize) return (SmtpReplies.HeaderTooBig(_options.MaxHeaderSize), "header-size");
        if (content.SpoolFailure is not { } failure) return null;
        SmtpLog.SpoolFailed(_logger, _context.Id, failure);
        return (SmtpReplies.SpoolFailed, "spool-failure");
    }

    /// <summary>Hands the whole message to the handler and sends its reply; the transaction ends either way.</summary>
    private async ValueTask DeliverAsync(MessageContent content)
    {
        SmtpReply reply;
        var failed = false;
        _context.RefusalReason = null;
        try
        {
            reply = await _handler.OnMessageAsync(_context, _envelope!, content, _aborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (!_aborted.IsCancellationRequested)
        {
            failed = true;
            reply = HandlerFailed("data", ex);
        }
        if (!reply.IsPositive && !failed) CountHandlerRefusal();
        if (reply.IsPositive) _badCommands = 0; // like Postfix's smtpd_hard_error_limit: errors count until mail is delivered
        Reply(reply);
        ResetTransaction();
    }
}
