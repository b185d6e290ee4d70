using System.Buffers;
using System.Text;
using SmarthostLab.Smtp.Protocol;

namespace SmarthostLab.Smtp.Server;

public sealed partial class SmtpSession
{
    /// <summary>The handler offers AUTH to this session (then MAIL FROM takes AUTH=, and AUTH is answered).</summary>
    private bool AuthOffered => _handler.IsAuthenticationOffered(_context);

    /// <summary>EHLO lists AUTH: offered, and under TLS unless <see cref="SmtpOptions.AllowAuthWithoutTls"/> (RFC 4954 4, 14).</summary>
    private bool AuthAdvertised => AuthOffered && (_context.TlsProtocol is not null || _options.AllowAuthWithoutTls);

    /// <summary>The transcript line of an AUTH command: the mechanism, never the initial response (RFC 4954 15).</summary>
    private static string RedactedAuthLine(SmtpCommand command, SmtpReply? error) =>
        error is not null ? "AUTH <redacted>" : command.InitialResponse is null ? "AUTH " + command.Argument : $"AUTH {command.Argument} <redacted>";

    /// <summary>
    /// AUTH (RFC 4954 4) before any exchange: offered (else 502 5.5.1), after EHLO, once per session (503 5.5.1), a
    /// mechanism offered (504 5.5.4), under TLS unless allowed without (538 5.7.11). Each refusal is a bad command.
    /// </summary>
    private Next CheckAuth(SmtpCommand command)
    {
        if (!AuthOffered) return BadCommand("auth", AuthReplies.NotAvailable, "auth-unavailable");
        if (!_context.IsExtended) return BadCommand("auth", SmtpReplies.BadSequence, "bad-sequence");
        if (_context.AuthenticatedUser is not null) return BadCommand("auth", AuthReplies.AlreadyAuthenticated, "bad-sequence");
        if (command.Argument is not (Sasl.Plain or Sasl.Login)) return BadCommand("auth", AuthReplies.UnknownMechanism, "auth-mechanism");
        if (_context.TlsProtocol is null && !_options.AllowAuthWithoutTls) return BadCommand("auth", AuthReplies.EncryptionRequired, "auth-tls-required");
        return Next.Auth;
    }

    /// <summary>
    /// The SASL exchange of PLAIN (RFC 4616; an empty 334 challenge when there is no initial response) or LOGIN (334
    /// "Username:", 334 "Password:"; an initial response is the user name), then the handler's verdict. Responses are
    /// lines of at most 12,288 octets (500 5.5.6), each read within <see cref="SmtpOptions.CommandTimeout"/>; "*"
    /// cancels (501 5.0.0), bad base64 is 501 5.5.2. False: close the session.
    /// </summary>
    private async ValueTask<bool> AuthenticateAsync(SmtpCommand command)
    {
        var mechanism = command.Argument!;
        byte[]? first;
        if (command.InitialResponse is { } initial)
        {
            if (!Sasl.TryDecode(initial, out first)) return BadCommand("auth", AuthReplies.CannotDecode, "auth-syntax") != Next.Close;
        }
        else
        {
            (first, var end) = await ChallengeAsync(mechanism == Sasl.Plain ? "" : Sasl.UserNamePrompt).ConfigureAwait(false);
            if (first is null) return end != Next.Close;
        }

        string authorizationId = "", user, password;
        if (mechanism == Sasl.Plain)
        {
            if (!Sasl.TryParsePlain(first, out authorizationId, out user, out password))
                return BadCommand("auth", AuthReplies.MalformedCredentials, "auth-syntax") != Next.Close;
        }
        else
        {
            var (second, end) = await ChallengeAsync(Sasl.PasswordPrompt).ConfigureAwait(false);
            if (second is null) return end != Next.Close;
            if (!Sasl.TryDecodeText(first, out user) || !Sasl.TryDecodeText(second, out password) || user.Length == 0)
                return BadCommand("auth", AuthReplies.MalformedCredentials, "auth-syntax") != Next.Close;
        }
        return await VerdictAsync(mechanism, authorizationId, user, password).ConfigureAwait(false);
    }

    /// <summary>Asks the handler; 235 2.7.0 on null or 2xx, a 421 closes, a 5xx (535) counts as a bad command.</summary>
    private async ValueTask<bool> VerdictAsync(string mechanism, string authorizationId, string user, string password)
    {
        SmtpReply? reply;
        var failed = false;
        _context.RefusalReason = null;
        try
        {
            reply = await _handler.OnAuthenticateAsync(_context, mechanism, authorizationId, user, password, _aborted).ConfigureAwait(false);
        }
        catch (Exception ex) when (!_aborted.IsCancellationRequested)
        {
            failed = true;
            SmtpLog.HandlerFailed(_logger, _context.Id, "auth", ex);
            RecordRefusal("auth", AuthReplies.TemporaryFailure, "handler-error");
            reply = AuthReplies.TemporaryFailure;
        }
        if (reply is null || reply.Code is >= 200 and < 300)
        {
            _context.AuthenticatedUser = user;
            _context.Transcript.Note($"authenticated as {Printable(user)} ({mechanism})");
            SmtpAuthLog.Authenticated(_logger, _context.Id, mechanism, user);
            Reply(reply ?? AuthReplies.Succeeded);
            return true;
        }
        if (reply.Code == 421)
        {
            if (!failed) CountHandlerRefusal();
            Reply(reply);
            return false;
        }
        if (!failed) CountHandlerRefusal();
        return HandlerRefused("auth", reply) != Next.Close;
    }

    /// <summary>
    /// Sends a 334 challenge and reads the client's response: its decoded octets, or null when the exchange ended with
    /// a reply already queued (<c>End</c> then says whether the session goes on).
    /// </summary>
    private async ValueTask<(byte[]? Response, Next End)> ChallengeAsync(string challenge)
    {
        Reply(new SmtpReply(334, "", challenge));
        var reader = new SaslResponseReader();
        while (true)
        {
            var result = await ReadAsync(_options.CommandTimeout).ConfigureAwait(false);
            var buffer = result.Buffer;
            if (result.IsCanceled)
            {
                Advance(buffer, buffer.Start, needMore: false);
                if (!_timedOut) continue; // shutdown: the exchange may finish within its timeout
                SmtpLog.Timeout(_logger, _context.Id, "auth");
                Refuse("auth", SmtpReplies.Timeout(_host), "timeout");
                return (null, Next.Close);
            }
            var sequence = new SequenceReader<byte>(buffer);
            var status = reader.TryReadLine(ref sequence, out var line);
            _metrics.BytesReceived(sequence.Consumed);
            if (status == SaslResponseStatus.NeedMoreData)
            {
                Advance(buffer, sequence.Position, needMore: true);
                if (result.IsCompleted) return (null, Next.Close);
                continue;
            }
            var text = status == SaslResponseStatus.Line ? Encoding.Latin1.GetString(line) : null;
            Advance(buffer, sequence.Position, needMore: false);
            if (text is null)
            {
                _context.Transcript.Note($"<AUTH response over {Sasl.MaxResponseLength} octets discarded>");
                return (null, BadCommand("auth", AuthReplies.LineTooLong, "auth-line-too-long"));
            }
            if (Sasl.IsCancel(text))
            {
                _context.Transcript.Client("*");
                return (null, BadCommand("auth", AuthReplies.Cancelled, "auth-cancelled"));
            }
            _context.Transcript.Client("<redacted>");
            if (!Sasl.TryDecode(text, out var decoded)) return (null, BadCommand("auth", AuthReplies.CannotDecode, "auth-syntax"));
            return (decoded, Next.Continue);
        }
    }

    /// <summary>A user name for a transcript note: control characters become '?', at most 100 characters.</summary>
    private static string Printable(string text)
    {
        var clipped = text.Length > 100 ? text[..100] : text;
        return string.Create(clipped.Length, clipped, static (span, source) =>
        {
            for (var i = 0; i < source.Length; i++) span[i] = char.IsControl(source[i]) ? '?' : source[i];
        });
    }
}
