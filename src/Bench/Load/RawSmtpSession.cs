using System.Diagnostics;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Text;

namespace SmarthostLab.Bench.Load;

/// <summary>
/// A lean SMTP client session for load generation: a socket (optionally bound to a chosen local
/// address), an optional <see cref="SslStream"/> after STARTTLS, one reply buffer, and the message
/// bytes copied once per session so that sending costs one stamp of the sequence number and one write.
/// Not a general client: it sends one recipient per message and only what the bench needs.
/// </summary>
public sealed class RawSmtpSession : IAsyncDisposable
{
    private const string HeloName = "bench.smarthostlab.test";
    private static readonly byte[] DataCommand = "DATA\r\n"u8.ToArray();
    private static readonly byte[] RsetCommand = "RSET\r\n"u8.ToArray();
    private static readonly byte[] QuitCommand = "QUIT\r\n"u8.ToArray();

    private readonly Socket _socket;
    private readonly ReplyReader _reader;
    private readonly BenchMessage _message;
    private readonly bool _bdat;
    private Stream _stream;
    private bool _pipelining;
    private byte[] _mailRcpt = [];
    private byte[] _dataWire = [];
    private byte[] _bdatWire = [];
    private int _bdatPrefix;

    private RawSmtpSession(Socket socket, BenchMessage message, bool bdat)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: false);
        _reader = new ReplyReader(_stream);
        _message = message;
        _bdat = bdat;
    }

    /// <summary>Extensions offered in the last EHLO reply.</summary>
    public ServerFeatures Features { get; private set; }

    /// <summary>The text of the last negative reply.</summary>
    public string LastNegativeText => _reader.LastNegativeText;

    /// <summary>Connects, reads the greeting, says EHLO and, when asked, STARTTLS and EHLO again.</summary>
    /// <returns>The session and the greeting code (not 220: the session is only good for QUIT).</returns>
    public static async Task<(RawSmtpSession Session, int Greeting)> OpenAsync(LoadOptions options, BenchMessage message, CancellationToken cancellationToken)
    {
        var socket = new Socket(options.Target.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            if (options.Bind is not null) socket.Bind(new IPEndPoint(options.Bind, 0));
            await socket.ConnectAsync(options.Target, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
        var session = new RawSmtpSession(socket, message, options.Bdat);
        try
        {
            var greeting = await session._reader.ReadAsync(null, cancellationToken).ConfigureAwait(false);
            if (greeting != 220) return (session, greeting);
            var ehlo = await session.EhloAsync(cancellationToken).ConfigureAwait(false);
            if (ehlo != 250) return (session, ehlo);
            if (options.Tls)
            {
                if (!session.Features.HasFlag(ServerFeatures.StartTls)) throw new NotSupportedException("server does not offer STARTTLS");
                await session.StartTlsAsync(cancellationToken).ConfigureAwait(false);
                ehlo = await session.EhloAsync(cancellationToken).ConfigureAwait(false);
                if (ehlo != 250) return (session, ehlo);
            }
            if (options.Bdat && !session.Features.HasFlag(ServerFeatures.Chunking)) throw new NotSupportedException("server does not offer CHUNKING (BDAT)");
            session._pipelining = options.Pipelining && session.Features.HasFlag(ServerFeatures.Pipelining);
            session.PrepareWire(options);
            return (session, 220);
        }
        catch
        {
            await session.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private async Task<int> EhloAsync(CancellationToken cancellationToken)
    {
        await WriteAsync(Encoding.ASCII.GetBytes($"EHLO {HeloName}\r\n"), cancellationToken).ConfigureAwait(false);
        var lines = new List<string>();
        var code = await _reader.ReadAsync(lines, cancellationToken).ConfigureAwait(false);
        var features = ServerFeatures.None;
        foreach (var line in lines.Skip(1))
        {
            var keyword = line.Split(' ', 2)[0].ToUpperInvariant();
            features |= keyword switch
            {
                "PIPELINING" => ServerFeatures.Pipelining,
                "CHUNKING" => ServerFeatures.Chunking,
                "STARTTLS" => ServerFeatures.StartTls,
                "SIZE" => ServerFeatures.Size,
                _ => ServerFeatures.None,
            };
        }
        Features = features;
        return code;
    }

    private async Task StartTlsAsync(CancellationToken cancellationToken)
    {
        await WriteAsync("STARTTLS\r\n"u8.ToArray(), cancellationToken).ConfigureAwait(false);
        var code = await _reader.ReadAsync(null, cancellationToken).ConfigureAwait(false);
        if (code != 220) throw new InvalidOperationException($"STARTTLS refused: {code} {_reader.LastNegativeText}");
        _reader.Discard();
        var ssl = new SslStream(_stream, leaveInnerStreamOpen: false);
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "localhost",
            // Loopback benchmark against a self-signed certificate: the peer is not authenticated.
            RemoteCertificateValidationCallback = static (_, _, _, _) => true,
        }, cancellationToken).ConfigureAwait(false);
        _stream = ssl;
        _reader.Stream = ssl;
    }

    private void PrepareWire(LoadOptions options)
    {
        var size = Features.HasFlag(ServerFeatures.Size) ? $" SIZE={_message.Raw.Length}" : string.Empty;
        var mailRcpt = $"MAIL FROM:<bench@{options.SenderDomain}>{size}\r\nRCPT TO:<rcpt@example.com>\r\n";
        _mailRcpt = Encoding.ASCII.GetBytes(mailRcpt);
        if (_bdat)
        {
            // MAIL, RCPT, BDAT and the chunk: one buffer, one write when pipelining.
            var bdat = Encoding.ASCII.GetBytes($"BDAT {_message.Raw.Length} LAST\r\n");
            var prefix = _pipelining ? _mailRcpt.Concat(bdat).ToArray() : bdat;
            _bdatPrefix = prefix.Length;
            _bdatWire = [.. prefix, .. _message.Raw];
        }
        else
        {
            _mailRcpt = _pipelining ? Encoding.ASCII.GetBytes(mailRcpt + "DATA\r\n") : _mailRcpt;
            _dataWire = (byte[])_message.DataPayload.Clone();
        }
    }

    /// <summary>Sends one message (MAIL, RCPT, DATA or BDAT) stamped with <paramref name="seq"/>.</summary>
    public async ValueTask<SendOutcome> SendAsync(long seq, CancellationToken cancellationToken)
    {
        if (_bdat) return await SendBdatAsync(seq, cancellationToken).ConfigureAwait(false);
        int mail, rcpt, data;
        if (_pipelining)
        {
            await WriteAsync(_mailRcpt, cancellationToken).ConfigureAwait(false);
            mail = await ReadAsync(cancellationToken).ConfigureAwait(false);
            rcpt = await ReadAsync(cancellationToken).ConfigureAwait(false);
            data = await ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        else
        {
            await WriteAsync(_mailRcpt.AsMemory(0, _mailRcpt.AsSpan().IndexOf((byte)'\n') + 1), cancellationToken).ConfigureAwait(false);
            mail = await ReadAsync(cancellationToken).ConfigureAwait(false);
            if (mail != 250) return Refused("mail", mail);
            await WriteAsync(_mailRcpt.AsMemory(_mailRcpt.AsSpan().IndexOf((byte)'\n') + 1), cancellationToken).ConfigureAwait(false);
            rcpt = await ReadAsync(cancellationToken).ConfigureAwait(false);
            if (rcpt != 250) return await ResetAfterAsync("rcpt", rcpt, cancellationToken).ConfigureAwait(false);
            await WriteAsync(DataCommand, cancellationToken).ConfigureAwait(false);
            data = await ReadAsync(cancellationToken).ConfigureAwait(false);
        }
        if (mail != 250) return Refused("mail", mail);
        if (rcpt != 250) return await ResetAfterAsync("rcpt", rcpt, cancellationToken).ConfigureAwait(false);
        if (data != 354) return await ResetAfterAsync("data", data, cancellationToken).ConfigureAwait(false);
        _message.StampSequence(_dataWire, seq);
        await WriteAsync(_dataWire, cancellationToken).ConfigureAwait(false);
        var sent = Stopwatch.GetTimestamp();
        var final = await ReadAsync(cancellationToken).ConfigureAwait(false);
        var latency = Stopwatch.GetTimestamp() - sent;
        return final == 250 ? new SendOutcome(true, "end-of-data", 0, latency, true) : Refused("end-of-data", final);
    }

    private async ValueTask<SendOutcome> SendBdatAsync(long seq, CancellationToken cancellationToken)
    {
        _message.StampSequence(_bdatWire.AsSpan(_bdatPrefix), seq);
        int mail, rcpt;
        if (_pipelining)
        {
            await WriteAsync(_bdatWire, cancellationToken).ConfigureAwait(false);
            var sent = Stopwatch.GetTimestamp();
            mail = await ReadAsync(cancellationToken).ConfigureAwait(false);
            rcpt = await ReadAsync(cancellationToken).ConfigureAwait(false);
            var final = await ReadAsync(cancellationToken).ConfigureAwait(false);
            var latency = Stopwatch.GetTimestamp() - sent;
            if (mail != 250) return Refused("mail", mail);
            if (rcpt != 250) return await ResetAfterAsync("rcpt", rcpt, cancellationToken).ConfigureAwait(false);
            return final == 250 ? new SendOutcome(true, "bdat", 0, latency, true) : Refused("bdat", final);
        }
        var firstLine = _mailRcpt.AsSpan().IndexOf((byte)'\n') + 1;
        await WriteAsync(_mailRcpt.AsMemory(0, firstLine), cancellationToken).ConfigureAwait(false);
        mail = await ReadAsync(cancellationToken).ConfigureAwait(false);
        if (mail != 250) return Refused("mail", mail);
        await WriteAsync(_mailRcpt.AsMemory(firstLine), cancellationToken).ConfigureAwait(false);
        rcpt = await ReadAsync(cancellationToken).ConfigureAwait(false);
        if (rcpt != 250) return await ResetAfterAsync("rcpt", rcpt, cancellationToken).ConfigureAwait(false);
        await WriteAsync(_bdatWire, cancellationToken).ConfigureAwait(false);
        var start = Stopwatch.GetTimestamp();
        var code = await ReadAsync(cancellationToken).ConfigureAwait(false);
        var ticks = Stopwatch.GetTimestamp() - start;
        return code == 250 ? new SendOutcome(true, "bdat", 0, ticks, true) : Refused("bdat", code);
    }

    private static SendOutcome Refused(string stage, int code) => new(false, stage, code, 0, code != 421);

    /// <summary>A transaction was opened by MAIL but not finished: RSET it so the next MAIL is in sequence.</summary>
    private async ValueTask<SendOutcome> ResetAfterAsync(string stage, int code, CancellationToken cancellationToken)
    {
        if (code == 421) return Refused(stage, code);
        await WriteAsync(RsetCommand, cancellationToken).ConfigureAwait(false);
        var rset = await ReadAsync(cancellationToken).ConfigureAwait(false);
        return new SendOutcome(false, stage, code, 0, rset == 250);
    }

    private ValueTask<int> ReadAsync(CancellationToken cancellationToken) => _reader.ReadAsync(null, cancellationToken);

    private ValueTask WriteAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken) => _stream.WriteAsync(bytes, cancellationToken);

    /// <summary>Says QUIT and waits for the 221 (bounded by <paramref name="cancellationToken"/>); errors are ignored.</summary>
    public async Task QuitAsync(CancellationToken cancellationToken)
    {
        try
        {
            await WriteAsync(QuitCommand, cancellationToken).ConfigureAwait(false);
            await _reader.ReadAsync(null, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or InvalidDataException or ObjectDisposedException)
        {
            // The session is over either way; a server that drops the connection at QUIT is not an error of the run.
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync().ConfigureAwait(false);
        _socket.Dispose();
    }
}
