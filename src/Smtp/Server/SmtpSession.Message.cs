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
        var content = Content();
        content.Clear();
        var decoder = _decoder ??= new SmtpDataDecoder(_options.BareLineFeed);
        decoder.Reset();
        while (true)
        {
            var result = await ReadAsync(_options.DataTimeout).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (result.IsCanceled)
            {
                Advance(buffer, buffer.Start, needMore: false);
                if (!_timedOut) continue; // shutdown: the message may finish
                SmtpLog.Timeout(_logger, _context.Id, "data");
                Refuse("data", SmtpReplies.Timeout(_host), "timeout");
                return false;
            }
            var done = Decode(decoder, buffer, content, out var used);
            _metrics.BytesReceived(used);
            Advance(buffer, buffer.GetPosition(used), needMore: !done);
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
        await DeliverAsync(content).ConfigureAwait(false);
        return true;
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
        if (refusal is null)
        {
            if (_state != SmtpState.Chunking) content.Clear();
            if (content.Length + command.ChunkSize > _options.MaxMessageSize)
            {
                refusal = SmtpReplies.MessageTooBig;
                reason = "message-size";
                content.Clear();
            }
        }
        var remaining = command.ChunkSize;
        while (remaining > 0)
        {
            var result = await ReadAsync(_options.DataTimeout).ConfigureAwait(false);
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
            if (refusal is null)
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
        _context.Transcript.Note($"<{command.ChunkSize} octets of chunk data>");
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
