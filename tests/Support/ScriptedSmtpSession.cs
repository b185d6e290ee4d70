using System.Globalization;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace SmarthostLab.Tests.Support;

/// <summary>One connection of <see cref="ScriptedSmtpServer"/>: reads commands and content, asks the script, replies, records.</summary>
internal sealed class ScriptedSmtpSession : IAsyncDisposable
{
    private const int MaxCommandLine = 64 * 1024;
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(10);

    private readonly ScriptedSmtpServer _server;
    private readonly ScriptedSmtpServerOptions _options;
    private readonly Socket _socket;
    private readonly ScriptedConnection _connection;
    private Stream _stream;
    private byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;
    private int _reads;
    private bool _tls;
    private ScriptedTransaction? _transaction;

    public ScriptedSmtpSession(ScriptedSmtpServer server, Socket socket, ScriptedConnection connection)
    {
        _server = server;
        _options = server.Options;
        _socket = socket;
        _connection = connection;
        _stream = new NetworkStream(socket, ownsSocket: true);
    }

    public async Task RunAsync(CancellationToken stop)
    {
        var greeting = _options.Greeting ?? $"220 {_options.HostName} ESMTP ScriptedSmtpServer";
        if (!await SendAsync(greeting, ScriptedReplyAction.Continue, stop)) return;
        while (await ReadLineAsync(stop) is { } line)
        {
            var command = new ScriptedCommand(_connection.Number, _reads, line, _tls, _transaction);
            _connection.Add(command);
            var scripted = _options.Reply?.Invoke(command);
            if (!await HandleAsync(command, scripted, stop)) return;
        }
        if (_transaction is not null) Abandon("closed by the client during the transaction");
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _socket.Dispose();
    }

    /// <summary>Answers one command; false when the session is over.</summary>
    private async Task<bool> HandleAsync(ScriptedCommand command, ScriptedReply? scripted, CancellationToken stop)
    {
        var action = scripted?.Action ?? ScriptedReplyAction.Continue;
        switch (command.Verb)
        {
            case "EHLO":
            case "HELO":
            {
                Abandon(null);
                var reply = scripted is null ? Hello(command.Verb == "EHLO") : scripted.Text;
                return await ReplyAsync(command, reply, action, stop);
            }
            case "MAIL":
            {
                var reply = scripted is null ? _transaction is null ? "250 2.1.0 Ok" : "503 5.5.1 Nested MAIL command" : scripted.Text;
                if (_transaction is null && IsCode(reply, '2'))
                {
                    _transaction = _server.BeginTransaction(_connection, command);
                    command.Transaction = _transaction;
                }
                return await ReplyAsync(command, reply, action, stop);
            }
            case "RCPT":
            {
                var reply = scripted is null ? _transaction is null ? "503 5.5.1 Need MAIL command" : "250 2.1.5 Ok" : scripted.Text;
                _transaction?.AddRecipient(command);
                return await ReplyAsync(command, reply, action, stop);
            }
            case "DATA":
                return await DataAsync(command, scripted, stop);
            case "BDAT":
                return await BdatAsync(command, scripted, stop);
            case "RSET":
                Abandon(null);
                return await ReplyAsync(command, scripted is null ? "250 2.0.0 Ok" : scripted.Text, action, stop);
            case "STARTTLS":
                return await StartTlsAsync(command, scripted, stop);
            case "QUIT":
                await ReplyAsync(command, scripted is null ? "221 2.0.0 Bye" : scripted.Text, action, stop);
                return false;
            default:
            {
                var reply = scripted is null
                    ? command.Verb switch
                    {
                        "NOOP" => "250 2.0.0 Ok",
                        "VRFY" => "252 2.0.0 Cannot VRFY user, but will accept message and attempt delivery",
                        _ => "500 5.5.2 Command unrecognized",
                    }
                    : scripted.Text;
                return await ReplyAsync(command, reply, action, stop);
            }
        }
    }

    private string Hello(bool extended)
    {
        if (!extended) return $"250 {_options.HostName}";
        var lines = new List<string> { _options.HostName };
        lines.AddRange(_options.Capabilities);
        if (_options.Certificate is not null && !_tls) lines.Add("STARTTLS");
        return string.Join("\n", lines.Select((l, i) => (i == lines.Count - 1 ? "250 " : "250-") + l));
    }

    private string? SequenceRefusal() =>
        _transaction is null ? "503 5.5.1 Need MAIL command"
        : _transaction.AcceptedRecipients.Count == 0 ? "554 5.5.1 No valid recipients"
        : null;

    private async Task<bool> DataAsync(ScriptedCommand command, ScriptedReply? scripted, CancellationToken stop)
    {
        var reply = scripted is null ? SequenceRefusal() ?? "354 End data with <CR><LF>.<CR><LF>" : scripted.Text;
        var transaction = _transaction;
        if (!await ReplyAsync(command, reply, scripted?.Action ?? ScriptedReplyAction.Continue, stop)) return false;
        if (transaction is null || !IsCode(reply, '3')) return true;
        if (_options.DisconnectDuringData?.Invoke(transaction) == true) return await DropAsync(transaction, long.MaxValue, stop);
        if (!await ReadDataAsync(transaction, stop))
        {
            Abandon("closed by the client during DATA");
            return false;
        }
        return await EndMessageAsync(transaction, null, stop);
    }

    private async Task<bool> BdatAsync(ScriptedCommand command, ScriptedReply? scripted, CancellationToken stop)
    {
        var parts = command.Argument.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length is < 1 or > 2 || !long.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var size)
            || (parts.Length == 2 && !parts[1].Equals("LAST", StringComparison.OrdinalIgnoreCase)))
        {
            // The chunk size is unknown, so the stream cannot be followed any further.
            await ReplyAsync(command, "501 5.5.4 Syntax: BDAT size [LAST]", ScriptedReplyAction.Close, stop);
            return false;
        }

        var last = parts.Length == 2;
        var refusal = SequenceRefusal();
        var transaction = refusal is null ? _transaction : null;
        if (transaction is not null)
        {
            if (!transaction.UsedBdat && _options.DisconnectDuringData?.Invoke(transaction) == true) return await DropAsync(transaction, size, stop);
            transaction.UsedBdat = true;
        }
        if (!await ReadChunkAsync(transaction, size, stop))
        {
            Abandon("closed by the client during BDAT");
            return false;
        }

        if (transaction is null) return await ReplyAsync(command, scripted is null ? refusal : scripted.Text, scripted?.Action ?? ScriptedReplyAction.Continue, stop);
        if (last) return await EndMessageAsync(transaction, command, stop, scripted);
        var reply = scripted is null ? $"250 2.0.0 {size} octets received" : scripted.Text;
        if (!IsCode(reply, '2')) Abandon(null); // RFC 3030 2: a refused chunk fails the transaction
        return await ReplyAsync(command, reply, scripted?.Action ?? ScriptedReplyAction.Continue, stop);
    }

    /// <summary>
    /// The content has ended: record, ask <see cref="ScriptedSmtpServerOptions.MessageReply"/> unless the BDAT rule
    /// already chose the reply, answer. <paramref name="bdat"/> is the LAST chunk's command (its reply is the end reply).
    /// </summary>
    private async Task<bool> EndMessageAsync(ScriptedTransaction transaction, ScriptedCommand? bdat, CancellationToken stop, ScriptedReply? scripted = null)
    {
        _transaction = null;
        transaction.Completed = true;
        scripted ??= _options.MessageReply?.Invoke(transaction);
        var reply = scripted is null ? $"250 2.0.0 Ok: queued as {transaction.Number}" : scripted.Text;
        transaction.EndReply = reply;
        _server.NotifyChanged();
        if (bdat is not null) bdat.Reply = reply;
        return await SendAsync(reply, scripted?.Action ?? ScriptedReplyAction.Continue, stop);
    }

    private async Task<bool> StartTlsAsync(ScriptedCommand command, ScriptedReply? scripted, CancellationToken stop)
    {
        var reply = scripted is null
            ? _tls ? "503 5.5.1 TLS already active" : _options.Certificate is null ? "502 5.5.1 STARTTLS not available" : "220 2.0.0 Ready to start TLS"
            : scripted.Text;
        if (!await ReplyAsync(command, reply, scripted?.Action ?? ScriptedReplyAction.Continue, stop)) return false;
        if (!IsCode(reply, '2') || _tls || _options.Certificate is null) return true;

        Abandon(null);
        _start = _end = 0; // plain text pipelined after STARTTLS is dropped (RFC 3207 5)
        var ssl = new SslStream(_stream, leaveInnerStreamOpen: false);
        using (var timeout = CancellationTokenSource.CreateLinkedTokenSource(stop))
        {
            timeout.CancelAfter(HandshakeTimeout);
            try
            {
                await ssl.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = _options.Certificate }, timeout.Token);
            }
            catch (Exception ex) when (ex is System.Security.Authentication.AuthenticationException or IOException
                                       || (ex is OperationCanceledException && !stop.IsCancellationRequested))
            {
                _connection.Error = "TLS handshake failed: " + ex.Message;
                await ssl.DisposeAsync();
                return false;
            }
        }
        _stream = ssl;
        _tls = true;
        _connection.TlsProtocol = ssl.SslProtocol.ToString();
        return true;
    }

    /// <summary>Takes the first octets of the content, records them, and resets the connection.</summary>
    private async Task<bool> DropAsync(ScriptedTransaction transaction, long size, CancellationToken stop)
    {
        if (_start == _end) await FillAsync(stop);
        var take = (int)Math.Min(size, _end - _start);
        var octets = _buffer.AsSpan(_start, take);
        transaction.Append(octets, octets);
        Abandon("dropped by the script during the content");
        _socket.LingerState = new LingerOption(true, 0);
        _socket.Close();
        return false;
    }

    /// <summary>Reads DATA content up to the "." line, unstuffing; false if the connection closed first.</summary>
    private async Task<bool> ReadDataAsync(ScriptedTransaction transaction, CancellationToken stop)
    {
        var lineStart = true;
        while (true)
        {
            if (_start == _end && !await FillAsync(stop)) return false;
            var available = _end - _start;
            if (lineStart && _buffer[_start] == '.')
            {
                if (available < 3 && ".\r\n"u8.StartsWith(_buffer.AsSpan(_start, available)))
                {
                    if (!await FillAsync(stop)) return false;
                    continue;
                }
                if (_buffer.AsSpan(_start, available).StartsWith(".\r\n"u8))
                {
                    transaction.Append(".\r\n"u8, []);
                    _start += 3;
                    return true;
                }
                transaction.Append("."u8, []); // the stuffed dot
                _start++;
                lineStart = false;
                continue;
            }

            var span = _buffer.AsSpan(_start, available);
            var lf = span.IndexOf((byte)'\n');
            var take = lf < 0 ? available : lf + 1;
            transaction.Append(span[..take], span[..take]);
            _start += take;
            lineStart = lf >= 0;
        }
    }

    /// <summary>Reads a BDAT chunk of <paramref name="size"/> octets (recorded when there is a transaction); false if the connection closed first.</summary>
    private async Task<bool> ReadChunkAsync(ScriptedTransaction? transaction, long size, CancellationToken stop)
    {
        while (size > 0)
        {
            if (_start == _end && !await FillAsync(stop)) return false;
            var take = (int)Math.Min(size, _end - _start);
            var octets = _buffer.AsSpan(_start, take);
            transaction?.Append(octets, octets);
            _start += take;
            size -= take;
        }
        return true;
    }

    private async Task<string?> ReadLineAsync(CancellationToken stop)
    {
        while (true)
        {
            var lf = _buffer.AsSpan(_start, _end - _start).IndexOf((byte)'\n');
            if (lf >= 0)
            {
                var line = _buffer.AsSpan(_start, lf);
                _start += lf + 1;
                if (line.Length > 0 && line[^1] == '\r') line = line[..^1];
                return Encoding.UTF8.GetString(line);
            }
            if (_end - _start > MaxCommandLine)
            {
                _connection.Error = $"command line longer than {MaxCommandLine} octets";
                return null;
            }
            if (!await FillAsync(stop)) return null;
        }
    }

    /// <summary>One read from the socket into the buffer; false when the client closed.</summary>
    private async Task<bool> FillAsync(CancellationToken stop)
    {
        if (_start > 0)
        {
            _buffer.AsSpan(_start, _end - _start).CopyTo(_buffer);
            _end -= _start;
            _start = 0;
        }
        if (_end == _buffer.Length) Array.Resize(ref _buffer, _buffer.Length * 2);
        var read = await _stream.ReadAsync(_buffer.AsMemory(_end), stop);
        _reads++;
        _end += read;
        return read > 0;
    }

    private Task<bool> ReplyAsync(ScriptedCommand command, string? reply, ScriptedReplyAction action, CancellationToken stop)
    {
        command.Reply = reply;
        return SendAsync(reply, action, stop);
    }

    /// <summary>Writes a reply (if any) and carries out the action; false when the session is over.</summary>
    private async Task<bool> SendAsync(string? reply, ScriptedReplyAction action, CancellationToken stop)
    {
        if (reply is not null)
            await _stream.WriteAsync(Encoding.UTF8.GetBytes(reply.ReplaceLineEndings("\r\n") + "\r\n"), stop);
        if (action == ScriptedReplyAction.StopReading)
        {
            await Task.Delay(Timeout.Infinite, stop);
            return false;
        }
        return action != ScriptedReplyAction.Close && !IsCode(reply, '4', "21");
    }

    /// <summary>Ends the open transaction before its content ended (RSET, EHLO, a close), noting why when it is an error.</summary>
    private void Abandon(string? error)
    {
        if (_transaction is null) return;
        _transaction.Abandoned = true;
        _transaction = null;
        if (error is not null) _connection.Error ??= error;
        _server.NotifyChanged();
    }

    private static bool IsCode(string? reply, char first, string rest = "") =>
        reply is not null && reply.Length >= 3 && reply[0] == first && reply.AsSpan(1).StartsWith(rest);
}
