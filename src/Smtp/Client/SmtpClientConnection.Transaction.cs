using System.Buffers;

namespace SmarthostLab.Smtp.Client;

public sealed partial class SmtpClientConnection
{
    /// <summary>
    /// Sends one transaction: with PIPELINING (RFC 2920) MAIL FROM, every RCPT TO and DATA in one write (with CHUNKING
    /// too, <c>BDAT n LAST</c> and the octets verbatim in the same stream, RFC 3030), else one command at a time and
    /// the content only once MAIL FROM and a recipient were accepted; DATA's content is dot-stuffed (a CRLF added when
    /// it does not end with one) and ended with ".". When MAIL FROM is refused, no recipient is accepted, or DATA or
    /// BDAT is refused, RSET follows so that the connection can carry the next transaction.
    /// </summary>
    /// <param name="transaction">The envelope and content, sent exactly as given.</param>
    /// <param name="ct">Cancels the transaction; the connection is then closed and <see cref="OperationCanceledException"/> thrown.</param>
    /// <returns>Every reply; 4xx and 5xx replies to MAIL FROM, RCPT TO, DATA or the content are results.</returns>
    /// <exception cref="SmtpClientException">The session ended: 421, close, timeout, malformed reply, or a refused RSET. The connection is closed.</exception>
    /// <exception cref="ArgumentException">No recipient, or a string that could break its command line (CR, LF, NUL; a space in a parameter). Nothing was sent.</exception>
    /// <exception cref="InvalidOperationException">The session is over, or another operation is under way.</exception>
    public async Task<TransactionResult> SendAsync(OutboundTransaction transaction, CancellationToken ct)
    {
        SmtpClientCommands.Validate(transaction);
        var registration = Begin(ct);
        var completed = false;
        try
        {
            var result = await TransactAsync(transaction, ct).ConfigureAwait(false);
            completed = true;
            return result;
        }
        finally
        {
            End(registration, keepOpen: completed);
        }
    }

    /// <summary>RSET (RFC 5321 4.1.1.5), e.g. between messages on a reused connection.</summary>
    /// <exception cref="SmtpClientException">Anything but a 2xx reply, or the session ended; the connection is closed.</exception>
    /// <exception cref="InvalidOperationException">The session is over, or another operation is under way.</exception>
    public async Task ResetAsync(CancellationToken ct)
    {
        var registration = Begin(ct);
        var completed = false;
        try
        {
            await RsetAsync(ct).ConfigureAwait(false);
            completed = true;
        }
        finally
        {
            End(registration, keepOpen: completed);
        }
    }

    private async Task<TransactionResult> TransactAsync(OutboundTransaction transaction, CancellationToken ct)
    {
        if ((Capabilities & SmtpClientCapabilities.Pipelining) != 0) return await PipelinedAsync(transaction, ct).ConfigureAwait(false);
        if (transaction.ResetFirst) await RsetAsync(ct).ConfigureAwait(false);
        var recipients = transaction.Recipients;
        var replies = new SmtpClientReply?[recipients.Count];
        TransactionsSent++;
        SmtpClientCommands.WriteMail(_transport.Output, transaction);
        await FlushAsync(SmtpClientFailureStage.Mail, "sending MAIL FROM", ct).ConfigureAwait(false);
        var mail = await ReadAsync(SmtpClientFailureStage.Mail, "waiting for the reply to MAIL FROM", ct).ConfigureAwait(false);
        for (var i = 0; i < replies.Length && IsCompletion(mail); i++)
        {
            SmtpClientCommands.WriteRcpt(_transport.Output, recipients[i]);
            await FlushAsync(SmtpClientFailureStage.Rcpt, "sending RCPT TO", ct).ConfigureAwait(false);
            replies[i] = await ReadAsync(SmtpClientFailureStage.Rcpt, "waiting for the reply to RCPT TO", ct).ConfigureAwait(false);
        }

        if (!IsCompletion(mail) || !Array.Exists(replies, IsCompletion))
        {
            await RsetAsync(ct).ConfigureAwait(false);
            return new TransactionResult(mail, replies, null);
        }

        var final = (Capabilities & SmtpClientCapabilities.Chunking) != 0
            ? await SendBdatAsync(transaction.Content, ct).ConfigureAwait(false)
            : await SendDataAsync(transaction.Content, ct).ConfigureAwait(false);
        return new TransactionResult(mail, replies, final);
    }

    /// <summary>
    /// With PIPELINING (RFC 2920): [RSET,] MAIL FROM, every RCPT TO and DATA in one write, then their replies in order;
    /// with CHUNKING as well, <c>BDAT n LAST</c> and the content follow in the same stream (RFC 3030 4.2), so a message
    /// costs one round trip. A 354 after no accepted recipient is answered with an empty message's "." (RFC 2920 3.1),
    /// and RSET follows any failed transaction so that the connection can carry the next one.
    /// </summary>
    private async Task<TransactionResult> PipelinedAsync(OutboundTransaction transaction, CancellationToken ct)
    {
        var recipients = transaction.Recipients;
        var replies = new SmtpClientReply?[recipients.Count];
        var chunking = (Capabilities & SmtpClientCapabilities.Chunking) != 0;
        TransactionsSent++;
        var output = _transport.Output;
        if (transaction.ResetFirst) output.Write("RSET\r\n"u8);
        SmtpClientCommands.WriteMail(output, transaction);
        foreach (var recipient in recipients) SmtpClientCommands.WriteRcpt(output, recipient);
        if (chunking)
        {
            SmtpClientCommands.WriteBdatLast(output, transaction.Content.Length);
            await _transport.WriteContentAsync(transaction.Content, dotStuff: false, _options.CommandTimeout, ct).ConfigureAwait(false);
        }
        else
        {
            output.Write("DATA\r\n"u8);
            await FlushAsync(SmtpClientFailureStage.Mail, "sending MAIL FROM, RCPT TO and DATA", ct).ConfigureAwait(false);
        }
        if (transaction.ResetFirst)
        {
            var reset = await ReadAsync(SmtpClientFailureStage.Rset, "waiting for the reply to RSET", ct).ConfigureAwait(false);
            if (!IsCompletion(reset)) throw new SmtpClientException(SmtpClientFailureStage.Rset, $"{_transport.Peer} refused RSET: {reset}", reset);
        }
        var mail = await ReadAsync(SmtpClientFailureStage.Mail, "waiting for the reply to MAIL FROM", ct).ConfigureAwait(false);
        for (var i = 0; i < replies.Length; i++)
            replies[i] = await ReadAsync(SmtpClientFailureStage.Rcpt, "waiting for the reply to RCPT TO", ct).ConfigureAwait(false);
        var accepted = IsCompletion(mail) && Array.Exists(replies, IsCompletion);

        SmtpClientReply final;
        if (chunking)
        {
            final = await ReadAsync(SmtpClientFailureStage.DataEnd, "waiting for the reply to BDAT", ct, _options.DataTimeout).ConfigureAwait(false);
            if (!IsCompletion(final)) await RsetAsync(ct).ConfigureAwait(false);
            return new TransactionResult(mail, replies, accepted ? final : null);
        }
        final = await ReadAsync(SmtpClientFailureStage.Data, "waiting for the reply to DATA", ct).ConfigureAwait(false);
        if (final.Code != 354)
        {
            await RsetAsync(ct).ConfigureAwait(false);
            return new TransactionResult(mail, replies, accepted ? final : null);
        }
        if (!accepted)
        {
            // DATA was accepted though nothing else was: end an empty message, then reset.
            output.Write(".\r\n"u8);
            await FlushAsync(SmtpClientFailureStage.Data, "ending an empty message", ct).ConfigureAwait(false);
            await ReadAsync(SmtpClientFailureStage.DataEnd, "waiting for the reply to an empty message", ct, _options.DataTimeout).ConfigureAwait(false);
            await RsetAsync(ct).ConfigureAwait(false);
            return new TransactionResult(mail, replies, null);
        }
        await _transport.WriteContentAsync(transaction.Content, dotStuff: true, _options.CommandTimeout, ct).ConfigureAwait(false);
        final = await ReadAsync(SmtpClientFailureStage.DataEnd, "waiting for the reply to the message content", ct, _options.DataTimeout).ConfigureAwait(false);
        return new TransactionResult(mail, replies, final);
    }

    /// <summary>DATA, 354, the content dot-stuffed and ended (RFC 5321 4.1.1.4, 4.5.2), the final reply within <see cref="SmtpClientOptions.DataTimeout"/>.</summary>
    private async Task<SmtpClientReply> SendDataAsync(ReadOnlySequence<byte> content, CancellationToken ct)
    {
        _transport.Output.Write("DATA\r\n"u8);
        await FlushAsync(SmtpClientFailureStage.Data, "sending DATA", ct).ConfigureAwait(false);
        var reply = await ReadAsync(SmtpClientFailureStage.Data, "waiting for the reply to DATA", ct).ConfigureAwait(false);
        if (reply.Code != 354)
        {
            await RsetAsync(ct).ConfigureAwait(false);
            return reply;
        }
        await _transport.WriteContentAsync(content, dotStuff: true, _options.CommandTimeout, ct).ConfigureAwait(false);
        return await ReadAsync(SmtpClientFailureStage.DataEnd, "waiting for the reply to the message content", ct, _options.DataTimeout).ConfigureAwait(false);
    }

    /// <summary>
    /// <c>BDAT n LAST</c> and the content verbatim in one chunk (RFC 3030 2), written in pieces; the reply within
    /// <see cref="SmtpClientOptions.DataTimeout"/>. A refused chunk is followed by RSET, as RFC 3030 2 asks.
    /// </summary>
    private async Task<SmtpClientReply> SendBdatAsync(ReadOnlySequence<byte> content, CancellationToken ct)
    {
        SmtpClientCommands.WriteBdatLast(_transport.Output, content.Length);
        await _transport.WriteContentAsync(content, dotStuff: false, _options.CommandTimeout, ct).ConfigureAwait(false);
        var reply = await ReadAsync(SmtpClientFailureStage.DataEnd, "waiting for the reply to BDAT", ct, _options.DataTimeout).ConfigureAwait(false);
        if (!IsCompletion(reply)) await RsetAsync(ct).ConfigureAwait(false);
        return reply;
    }

    private async Task RsetAsync(CancellationToken ct)
    {
        _transport.Output.Write("RSET\r\n"u8);
        await FlushAsync(SmtpClientFailureStage.Rset, "sending RSET", ct).ConfigureAwait(false);
        var reply = await ReadAsync(SmtpClientFailureStage.Rset, "waiting for the reply to RSET", ct).ConfigureAwait(false);
        if (!IsCompletion(reply))
            throw new SmtpClientException(SmtpClientFailureStage.Rset, $"{_transport.Peer} refused RSET: {reply}", reply);
    }
}
