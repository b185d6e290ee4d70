using System.Buffers;
using System.IO.Pipelines;
using SmarthostLab.Smtp.Protocol;
using SmarthostLab.Smtp.Session;

namespace SmarthostLab.Smtp.Server;

public sealed partial class SmtpSession
{
    /// <summary>What the command loop does after a command.</summary>
    private enum Next
    {
        Continue,
        Close,
        Data,
        Bdat,
        StartTls,
        Auth,
    }

    /// <summary>Replies queued past this many octets are flushed before the next pipelined command is read.</summary>
    private const int MaxUnflushedReplyOctets = 16 * 1024;

    private async Task CommandLoopAsync()
    {
        while (true)
        {
            if (_stopping && !HasBufferedInput())
            {
                SmtpLog.ShuttingDown(_logger, _context.Id);
                if (_state != SmtpState.Refused) Refuse("session", SmtpReplies.ShuttingDown(_host), "shutdown");
                return;
            }
            var result = await ReadAsync(_state == SmtpState.Refused ? null : _options.CommandTimeout).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (result.IsCanceled)
            {
                Advance(buffer, buffer.Start, needMore: false);
                if (_timedOut)
                {
                    if (_state == SmtpState.Refused) return;
                    SmtpLog.Timeout(_logger, _context.Id, "command");
                    Refuse("command", SmtpReplies.Timeout(_host), "timeout");
                    return;
                }
                continue;
            }
            while (true)
            {
                if (!TryReadCommand(ref buffer, out var command, out var error))
                {
                    Advance(buffer, buffer.Start, needMore: true);
                    if (result.IsCompleted) return;
                    // A refused session has had its answer: the commands it sent together are answered, then it is
                    // closed rather than kept waiting for more.
                    if (_state == SmtpState.Refused && _badCommands > 0) return;
                    break;
                }
                var next = await ExecuteAsync(command, error).ConfigureAwait(false);
                if (next == Next.Continue)
                {
                    // A client pipelining without reading gets its replies pushed now and then, so the flush (and with
                    // it the command timeout) holds it back, rather than replies piling up unsent in memory.
                    // A tarpitted reply goes out before the next command is answered.
                    if (_slowReply is not null || (_output.CanGetUnflushedBytes && _output.UnflushedBytes > MaxUnflushedReplyOctets))
                        await FlushAsync(_state == SmtpState.Refused ? null : _options.CommandTimeout).ConfigureAwait(false);
                    continue;
                }
                if (next == Next.Close)
                {
                    Advance(buffer, buffer.Start, needMore: false);
                    return;
                }
                if (next == Next.StartTls)
                {
                    // RFC 3207 4.2 / CVE-2011-0411: whatever the client pipelined after STARTTLS is dropped, never read as commands.
                    if (!buffer.IsEmpty) _context.Transcript.Note($"<{buffer.Length} octets pipelined after STARTTLS discarded>");
                    Advance(buffer, buffer.End, needMore: false);
                    if (!await StartTlsAsync().ConfigureAwait(false)) return;
                    break;
                }
                Advance(buffer, buffer.Start, needMore: false);
                var go = next switch
                {
                    Next.Data => await ReceiveDataAsync().ConfigureAwait(false),
                    Next.Auth => await AuthenticateAsync(command).ConfigureAwait(false),
                    _ => await ReceiveChunkAsync(command).ConfigureAwait(false),
                };
                if (!go) return;
                break;
            }
        }
    }

    private bool HasBufferedInput()
    {
        if (_needMoreInput || !_input.TryRead(out var result)) return false;
        var any = !result.Buffer.IsEmpty;
        _input.AdvanceTo(result.Buffer.Start);
        return any;
    }

    /// <summary>Frames and parses one command from <paramref name="buffer"/>, slicing off what it consumed.</summary>
    private bool TryReadCommand(ref ReadOnlySequence<byte> buffer, out SmtpCommand command, out SmtpReply? error)
    {
        var reader = new SequenceReader<byte>(buffer);
        var found = _commands.TryParse(ref reader, out command, out error, out var line);
        _metrics.BytesReceived(reader.Consumed);
        buffer = buffer.Slice(reader.Position);
        if (!found) return false;
        if (ReferenceEquals(error, SmtpReplies.CommandLineTooLong)) _context.Transcript.Note("<command line over 512 octets discarded>");
        else if (command.Kind == SmtpCommandKind.Auth) _context.Transcript.Client(RedactedAuthLine(command, error));
        else _context.Transcript.Client(line);
        _metrics.Command(command.Kind);
        return true;
    }

    private async ValueTask<Next> ExecuteAsync(SmtpCommand command, SmtpReply? error)
    {
        if (_state == SmtpState.Refused)
        {
            if (command.Kind == SmtpCommandKind.Quit && error is null)
            {
                Reply(SmtpReplies.Closing(_host));
                return Next.Close;
            }
            return BadCommand(StageOf(command.Kind), SmtpReplies.SessionRefused, "session-refused");
        }
        if (error is not null)
        {
            var reason = ReferenceEquals(error, SmtpReplies.CommandLineTooLong) ? "line-too-long"
                : command.Kind == SmtpCommandKind.Unknown ? "unknown-command" : "syntax";
            return BadCommand(StageOf(command.Kind), error, reason);
        }
        if (command.Kind == SmtpCommandKind.StartTls && _context.TlsProtocol is not null)
            return BadCommand("starttls", SmtpReplies.AlreadyTls, "bad-sequence"); // in any state
        if (command.Kind == SmtpCommandKind.Data && _state == SmtpState.MailGiven)
        {
            // RFC 2920 3.1: a pipelining client sends DATA before it reads its RCPT replies; when every recipient was
            // refused (and each refusal recorded), DATA gets 554 "no valid recipients", not counted as the client's error.
            Reply(SmtpReplies.NoValidRecipients);
            return Next.Continue;
        }
        if (!SmtpStateTable.IsAllowed(_state, command.Kind))
        {
            if (command.Kind == SmtpCommandKind.Bdat) return Next.Bdat; // the chunk must be read before the 503
            return BadCommand(StageOf(command.Kind), SmtpReplies.BadSequence, "bad-sequence");
        }
        switch (command.Kind)
        {
            case SmtpCommandKind.Ehlo:
            case SmtpCommandKind.Helo:
                if (await StageFaultAsync(SmtpStage.Helo, new(command.Argument, null, null, null)).ConfigureAwait(false) is { } heloFault) return heloFault;
                _context.Helo = command.Argument;
                _context.IsExtended = command.Kind == SmtpCommandKind.Ehlo;
                ResetTransaction();
                Reply(command.Kind == SmtpCommandKind.Ehlo ? EhloReply() : new SmtpReply(250, "", _host));
                return Next.Continue;
            case SmtpCommandKind.Mail:
                return await MailAsync(command).ConfigureAwait(false);
            case SmtpCommandKind.Rcpt:
                return await RecipientAsync(command).ConfigureAwait(false);
            case SmtpCommandKind.Data:
                if (_envelope!.Body == BodyType.BinaryMime) return BadCommand("data", SmtpReplies.BinaryMimeRequiresBdat, "binarymime-requires-bdat");
                return await DataFaultAsync().ConfigureAwait(false);
            case SmtpCommandKind.Bdat:
                return Next.Bdat;
            case SmtpCommandKind.StartTls:
                if (!TlsOffered) return BadCommand("starttls", SmtpReplies.TlsNotAvailable, "tls-unavailable");
                return await StageFaultAsync(SmtpStage.StartTls, default).ConfigureAwait(false) ?? Next.StartTls;
            case SmtpCommandKind.Auth:
                return CheckAuth(command);
            case SmtpCommandKind.Rset:
                ResetTransaction();
                Reply(SmtpReplies.Ok);
                return Next.Continue;
            case SmtpCommandKind.Noop:
                Reply(SmtpReplies.Ok);
                return Next.Continue;
            case SmtpCommandKind.Vrfy:
                Reply(SmtpReplies.CannotVerify);
                return Next.Continue;
            case SmtpCommandKind.Help:
                Reply(SmtpReplies.Help);
                return Next.Continue;
            case SmtpCommandKind.Quit:
                Reply(SmtpReplies.Closing(_host));
                return Next.Close;
            default:
                return BadCommand("command", SmtpReplies.CommandUnrecognized, "unknown-command");
        }
    }

    /// <summary>A bad command: its reply, or 421 4.7.0 and close once past <see cref="SmtpOptions.MaxBadCommands"/>.</summary>
    private Next BadCommand(string stage, SmtpReply reply, string reason)
    {
        if (PastBadCommandLimit(stage)) return Next.Close;
        Refuse(stage, reply, reason);
        return Next.Continue;
    }

    /// <summary>Counts one more error; past <see cref="SmtpOptions.MaxBadCommands"/> sends 421 4.7.0 in place of its reply (true: close).</summary>
    private bool PastBadCommandLimit(string stage)
    {
        if (++_badCommands <= _options.MaxBadCommands) return false;
        SmtpLog.TooManyBadCommands(_logger, _context.Id);
        Refuse(stage, SmtpReplies.TooManyBadCommands(_host), "too-many-bad-commands");
        return true;
    }

    private bool TlsOffered => _certificate is not null && _options.StartTls && _context.TlsProtocol is null;

    /// <summary>The EHLO reply (RFC 5321 4.1.1.1); like HELO it carries no enhanced code (RFC 2034 3).</summary>
    private SmtpReply EhloReply() => _ehloReply ??= new(250, "",
        $"{_host}\nPIPELINING\nSIZE {_options.MaxMessageSize}\n8BITMIME\nSMTPUTF8\nENHANCEDSTATUSCODES\nDSN\n{(TlsOffered ? "STARTTLS\n" : "")}{(AuthAdvertised ? "AUTH " + Sasl.Mechanisms + "\n" : "")}CHUNKING\nBINARYMIME");

    /// <summary>
    /// MAIL FROM with SIZE (RFC 1870), BODY (RFC 6152, RFC 3030), SMTPUTF8 (RFC 6531), RET and ENVID (RFC 3461 4.3,
    /// 4.4; each at most once), AUTH (RFC 4954 5, where AUTH is offered).
    /// </summary>
    private async ValueTask<Next> MailAsync(SmtpCommand command)
    {
        long? size = null;
        var body = BodyType.SevenBit;
        var utf8 = false;
        string? ret = null;
        string? envelopeId = null;
        Dictionary<string, string?>? parameters = null;
        foreach (var p in command.Parameters)
        {
            switch (p.Keyword)
            {
                case "SIZE":
                    if (!long.TryParse(p.Value, System.Globalization.NumberStyles.None, null, out var declared))
                        return BadCommand("mail", SmtpReplies.SyntaxError, "syntax");
                    size = declared;
                    break;
                case "BODY":
                    if (string.Equals(p.Value, "7BIT", StringComparison.OrdinalIgnoreCase)) body = BodyType.SevenBit;
                    else if (string.Equals(p.Value, "8BITMIME", StringComparison.OrdinalIgnoreCase)) body = BodyType.EightBitMime;
                    else if (string.Equals(p.Value, "BINARYMIME", StringComparison.OrdinalIgnoreCase)) body = BodyType.BinaryMime;
                    else return BadCommand("mail", SmtpReplies.SyntaxError, "syntax");
                    break;
                case "SMTPUTF8":
                    if (p.Value is not null) return BadCommand("mail", SmtpReplies.SyntaxError, "syntax");
                    utf8 = true;
                    break;
                case "RET":
                    if (ret is not null || !DsnParameters.TryParseRet(p.Value, out var parsedRet))
                        return BadCommand("mail", SmtpReplies.SyntaxError, "syntax");
                    ret = parsedRet;
                    break;
                case "ENVID":
                    if (envelopeId is not null || !DsnParameters.IsEnvelopeId(p.Value))
                        return BadCommand("mail", SmtpReplies.SyntaxError, "syntax");
                    envelopeId = p.Value;
                    break;
                case "AUTH":
                    // RFC 4954 5: AUTH=<mailbox as xtext> or AUTH=<>, at most once; kept in the parameters, trusted by nobody here.
                    if (!AuthOffered) return BadCommand("mail", SmtpReplies.UnsupportedParameter, "unsupported-parameter");
                    if (parameters?.ContainsKey("AUTH") == true || p.Value is null || !DsnParameters.IsXText(p.Value))
                        return BadCommand("mail", SmtpReplies.SyntaxError, "syntax");
                    break;
                default:
                    return BadCommand("mail", SmtpReplies.UnsupportedParameter, "unsupported-parameter");
            }
            parameters ??= new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
            parameters[p.Keyword] = p.Value;
        }
        if (command.IsNonAscii && !utf8)
        {
            Refuse("mail", SmtpReplies.Utf8AddressWithoutSmtpUtf8, "utf8-address");
            return Next.Continue;
        }
        if (size > _options.MaxMessageSize)
        {
            Refuse("mail", SmtpReplies.MessageTooBig, "message-size");
            return Next.Continue;
        }
        var envelope = new Envelope
        {
            MailFrom = command.Argument ?? string.Empty,
            MailFromParameters = (IReadOnlyDictionary<string, string?>?)parameters ?? EmptyParameters,
            Body = body,
            Utf8 = utf8,
            DeclaredSize = size,
            Ret = ret,
            EnvelopeId = envelopeId,
        };
        if (await StageFaultAsync(SmtpStage.Mail, new(envelope.MailFrom, envelope, null, null)).ConfigureAwait(false) is { } faulted) return faulted;
        SmtpReply? reply;
        var failed = false;
        _context.RefusalReason = null;
        try
        {
            reply = await _handler.OnMailFromAsync(_context, envelope, _aborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (!_aborted.IsCancellationRequested)
        {
            failed = true;
            reply = HandlerFailed("mail", ex);
        }
        if (reply is null || reply.IsPositive)
        {
            _envelope = envelope;
            _state = SmtpState.MailGiven;
            _context.Transcript.BeginTransaction();
            Reply(reply ?? SmtpReplies.SenderOk);
        }
        else
        {
            if (!failed) CountHandlerRefusal();
            return HandlerRefused("mail", reply);
        }
        return Next.Continue;
    }

    private static readonly IReadOnlyDictionary<string, string?> EmptyParameters = System.Collections.ObjectModel.ReadOnlyDictionary<string, string?>.Empty;

    /// <summary>
    /// RCPT TO (RFC 5321 4.1.1.3) with NOTIFY and ORCPT (RFC 3461 4.1, 4.2; each at most once) and the recipient
    /// limit (4.5.3.1.10: 452 4.5.3).
    /// </summary>
    private async ValueTask<Next> RecipientAsync(SmtpCommand command)
    {
        var envelope = _envelope!;
        var notify = false;
        var originalRecipient = false;
        foreach (var p in command.Parameters)
        {
            switch (p.Keyword)
            {
                case "NOTIFY":
                    if (notify || !DsnParameters.TryParseNotify(p.Value, out _)) return BadCommand("rcpt", SmtpReplies.SyntaxError, "syntax");
                    notify = true;
                    break;
                case "ORCPT":
                    if (originalRecipient || !DsnParameters.IsOriginalRecipient(p.Value, envelope.Utf8))
                        return BadCommand("rcpt", SmtpReplies.SyntaxError, "syntax");
                    originalRecipient = true;
                    break;
                default:
                    return BadCommand("rcpt", SmtpReplies.UnsupportedParameter, "unsupported-parameter");
            }
        }
        if (command.IsNonAscii && !envelope.Utf8)
        {
            Refuse("rcpt", SmtpReplies.Utf8AddressWithoutSmtpUtf8, "utf8-address");
            return Next.Continue;
        }
        if (envelope.Recipients.Count >= _options.MaxRecipients)
        {
            Refuse("rcpt", SmtpReplies.TooManyRecipients, "too-many-recipients");
            return Next.Continue;
        }
        var recipient = command.Argument!;
        if (await StageFaultAsync(SmtpStage.Rcpt, new(null, envelope, recipient, null)).ConfigureAwait(false) is { } faulted) return faulted;
        SmtpReply? reply;
        var failed = false;
        _context.RefusalReason = null;
        try
        {
            reply = await _handler.OnRecipientAsync(_context, envelope, recipient, _aborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (!_aborted.IsCancellationRequested)
        {
            failed = true;
            reply = HandlerFailed("rcpt", ex);
        }
        if (reply is null || reply.IsPositive)
        {
            envelope.AddRecipient(recipient, EsmtpParameter.Join(command.Parameters));
            _state = SmtpState.RecipientGiven;
            Reply(reply ?? SmtpReplies.RecipientOk);
        }
        else
        {
            if (!failed) CountHandlerRefusal();
            return HandlerRefused("rcpt", reply);
        }
        return Next.Continue;
    }

    /// <summary>
    /// Sends the handler's refusal (already recorded by it). A permanent one (5xx: relaying denied, a refused sender) counts
    /// against <see cref="SmtpOptions.MaxBadCommands"/> like a bad command, so a client cannot have it repeated forever;
    /// a temporary one (greylisting, a rate limit) does not, or a message to many recipients would be cut off.
    /// </summary>
    private Next HandlerRefused(string stage, SmtpReply reply)
    {
        if (reply.Code >= 500 && PastBadCommandLimit(stage)) return Next.Close;
        Reply(reply);
        return Next.Continue;
    }
}
