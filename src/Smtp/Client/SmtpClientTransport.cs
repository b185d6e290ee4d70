using System.Buffers;
using System.Globalization;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;

namespace SmarthostLab.Smtp.Client;

/// <summary>
/// The bytes under <see cref="SmtpClientConnection"/>: one socket, its stream (plain, then TLS after STARTTLS), a reused
/// read buffer cut into reply lines, a reused write buffer, and one reused timer that bounds every read, write and
/// handshake. Every failure becomes an <see cref="SmtpClientException"/> naming the peer and what was under way;
/// cancellation by the caller stays an <see cref="OperationCanceledException"/>.
/// </summary>
internal sealed class SmtpClientTransport : IAsyncDisposable
{
    /// <summary>Longest reply line, line end excluded (RFC 5321 4.5.3.1.5 says 512; servers write longer text, so we allow more).</summary>
    public const int MaxReplyLine = 4096;

    /// <summary>Most lines in one reply.</summary>
    public const int MaxReplyLines = 100;

    /// <summary>Octets of content per write.</summary>
    public const int ContentChunk = 32 * 1024;

    private readonly Socket _socket;
    private readonly byte[] _input = new byte[2 * MaxReplyLine];
    private readonly ArrayBufferWriter<byte> _output = new(ContentChunk + 512);
    private readonly List<string> _lines = [];
    private Stream _stream;
    private CancellationTokenSource _timer = new(); // bounds the I/O under way; CancelAfter per read/write, TryReset after
    private DotStuffer _stuffer;
    private int _start;
    private int _end;

    private SmtpClientTransport(Socket socket, string peer)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        Peer = peer;
    }

    /// <summary>The peer as messages name it: "127.0.0.1:25", or "mx.example.com[192.0.2.1]:25".</summary>
    public string Peer { get; }

    /// <summary>The TLS stream once STARTTLS succeeded.</summary>
    public SslStream? Tls { get; private set; }

    /// <summary>Where commands are written before <see cref="FlushAsync"/>.</summary>
    public IBufferWriter<byte> Output => _output;

    /// <summary>Connects a socket (bound to <see cref="SmtpClientOptions.SourceAddress"/> when given) within <see cref="SmtpClientOptions.ConnectTimeout"/>.</summary>
    public static async Task<SmtpClientTransport> ConnectAsync(IPEndPoint remote, string remoteHostName, SmtpClientOptions options, CancellationToken ct)
    {
        var peer = Describe(remote, remoteHostName);
        var socket = new Socket(remote.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
        try
        {
            if (options.SourceAddress is { } source) socket.Bind(new IPEndPoint(source, 0));
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(options.ConnectTimeout);
            await socket.ConnectAsync(remote, timeout.Token).ConfigureAwait(false);
            return new SmtpClientTransport(socket, peer);
        }
        catch (SocketException ex)
        {
            socket.Dispose();
            var from = options.SourceAddress is null ? "" : " from " + options.SourceAddress;
            throw new SmtpClientException(SmtpClientFailureStage.Connect, $"cannot connect to {peer}{from}: {ex.Message}", innerException: ex);
        }
        catch (OperationCanceledException ex) when (!ct.IsCancellationRequested)
        {
            socket.Dispose();
            throw new SmtpClientException(SmtpClientFailureStage.Connect, $"connecting to {peer} timed out after {Format(options.ConnectTimeout)}", innerException: ex);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Makes the caller's token cancel the I/O under way until the registration is disposed.</summary>
    public CancellationTokenRegistration Link(CancellationToken ct) =>
        ct.CanBeCanceled ? ct.UnsafeRegister(static state => ((SmtpClientTransport)state!).CancelCurrent(), this) : default;

    /// <summary>Writes the command lines in <see cref="Output"/> in one write.</summary>
    public async ValueTask FlushAsync(SmtpClientFailureStage stage, string activity, TimeSpan timeout, CancellationToken ct)
    {
        if (_output.WrittenCount == 0) return;
        var token = Arm(timeout, ct);
        try
        {
            await _stream.WriteAsync(_output.WrittenMemory, token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException)
        {
            throw Failure(ex, stage, activity, timeout, ct, writing: true);
        }
        finally
        {
            Disarm();
        }
        _output.ResetWrittenCount();
    }

    /// <summary>
    /// Writes the message content after whatever <see cref="Output"/> holds (a BDAT command), in writes of about
    /// <see cref="ContentChunk"/> octets: verbatim, or dot-stuffed and followed by the end-of-data marker.
    /// </summary>
    public async ValueTask WriteContentAsync(ReadOnlySequence<byte> content, bool dotStuff, TimeSpan timeout, CancellationToken ct)
    {
        const string activity = "sending the message content";
        _stuffer.Reset();
        foreach (var segment in content)
        {
            for (var offset = 0; offset < segment.Length;)
            {
                if (_output.WrittenCount >= ContentChunk) await FlushAsync(SmtpClientFailureStage.Data, activity, timeout, ct).ConfigureAwait(false);
                offset += Fill(segment.Span[offset..], dotStuff);
            }
        }
        if (dotStuff) _output.Write(_stuffer.Terminator);
        await FlushAsync(SmtpClientFailureStage.Data, activity, timeout, ct).ConfigureAwait(false);
    }

    /// <summary>
    /// Reads one whole reply within <paramref name="timeout"/>. Lines end with CRLF (a bare LF is taken too); a line
    /// longer than <see cref="MaxReplyLine"/>, a reply of more than <see cref="MaxReplyLines"/> lines, a line that is
    /// not <c>NNN[ -]text</c>, lines with different codes, a close or a timeout: <see cref="SmtpClientException"/>.
    /// </summary>
    public async ValueTask<SmtpClientReply> ReadReplyAsync(SmtpClientFailureStage stage, string activity, TimeSpan timeout, CancellationToken ct)
    {
        _lines.Clear();
        var code = 0;
        while (true)
        {
            var lf = _input.AsSpan(_start, _end - _start).IndexOf((byte)'\n');
            if (lf < 0)
            {
                if (_end - _start > MaxReplyLine + 1) throw Protocol(stage, $"sent a reply line longer than {MaxReplyLine} octets while {activity}");
                await FillInputAsync(stage, activity, timeout, ct).ConfigureAwait(false);
                continue;
            }

            var line = _input.AsSpan(_start, lf);
            _start += lf + 1;
            if (line.Length > 0 && line[^1] == '\r') line = line[..^1];
            if (line.Length > MaxReplyLine) throw Protocol(stage, $"sent a reply line longer than {MaxReplyLine} octets while {activity}");
            if (!SmtpClientReplyParser.TryParseLine(line, out var lineCode, out var last, out var text))
                throw Protocol(stage, $"sent a line that is not an SMTP reply while {activity}: \"{Printable(line)}\"");
            if (_lines.Count > 0 && lineCode != code)
                throw Protocol(stage, $"sent a reply whose lines have different codes ({code}, {lineCode}) while {activity}");
            code = lineCode;
            _lines.Add(Encoding.UTF8.GetString(text));
            if (last)
                return new SmtpClientReply(code, SmtpClientReplyParser.EnhancedCode(code, _lines[0]), _lines.ToArray());
            if (_lines.Count == MaxReplyLines)
                throw Protocol(stage, $"sent a reply of more than {MaxReplyLines} lines while {activity}");
        }
    }

    /// <summary>
    /// TLS over the connection after the server's 220 to STARTTLS (RFC 3207 4), within <paramref name="timeout"/>.
    /// Octets already received after that 220 fail it: they came before TLS and could be an injected reply (RFC 3207 6).
    /// </summary>
    public async ValueTask StartTlsAsync(SslClientAuthenticationOptions authentication, TimeSpan timeout, CancellationToken ct)
    {
        const SmtpClientFailureStage stage = SmtpClientFailureStage.StartTls;
        if (_end > _start)
            throw new SmtpClientException(stage, $"{Peer} sent data after its 220 to STARTTLS, before the TLS handshake; closing (RFC 3207 6)", tlsFailure: true);
        var ssl = new SslStream(_stream, leaveInnerStreamOpen: false);
        var token = Arm(timeout, ct);
        try
        {
            await ssl.AuthenticateAsClientAsync(authentication, token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException or OperationCanceledException)
        {
            await ssl.DisposeAsync().ConfigureAwait(false);
            if (ex is OperationCanceledException && ct.IsCancellationRequested) throw new OperationCanceledException(ct);
            var what = ex is OperationCanceledException ? $"did not complete within {Format(timeout)}" : "failed: " + ex.Message;
            throw new SmtpClientException(stage, $"TLS handshake with {Peer} {what}", tlsFailure: true, innerException: ex);
        }
        finally
        {
            Disarm();
        }
        _stream = ssl;
        Tls = ssl;
    }

    /// <summary>Closes the socket at once (no QUIT); pending I/O fails.</summary>
    public void Abort() => _socket.Dispose();

    /// <summary>Closes the stream and the socket.</summary>
    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync().ConfigureAwait(false);
        _socket.Dispose();
        // _timer is not disposed: an operation still running (dispose aborts it) may yet reset or cancel it, and a
        // timer source that is reset or fired holds nothing to release.
    }

    /// <summary>A duration for messages: "1.5 s" under a minute, else "00:05:00".</summary>
    public static string Format(TimeSpan duration) =>
        duration < TimeSpan.FromMinutes(1) ? duration.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture) + " s" : duration.ToString("c", CultureInfo.InvariantCulture);

    private static string Describe(IPEndPoint remote, string remoteHostName) =>
        IPAddress.TryParse(remoteHostName.Trim('[', ']'), out var literal) && literal.Equals(remote.Address)
            ? remote.ToString()
            : $"{remoteHostName}[{remote.Address}]:{remote.Port}";

    private static string Printable(ReadOnlySpan<byte> line)
    {
        var text = Encoding.UTF8.GetString(line[..Math.Min(line.Length, 80)]);
        return string.Create(text.Length, text, static (span, s) =>
        {
            for (var i = 0; i < s.Length; i++) span[i] = char.IsControl(s[i]) ? '?' : s[i];
        });
    }

    private int Fill(ReadOnlySpan<byte> source, bool dotStuff)
    {
        var room = Math.Max(ContentChunk - _output.WrittenCount, 2);
        var destination = _output.GetSpan(room)[..room];
        int consumed;
        int written;
        if (dotStuff)
        {
            _stuffer.Stuff(source, destination, out consumed, out written);
        }
        else
        {
            consumed = written = Math.Min(room, source.Length);
            source[..consumed].CopyTo(destination);
        }
        _output.Advance(written);
        return consumed;
    }

    private async ValueTask FillInputAsync(SmtpClientFailureStage stage, string activity, TimeSpan timeout, CancellationToken ct)
    {
        if (_start > 0)
        {
            _input.AsSpan(_start, _end - _start).CopyTo(_input);
            _end -= _start;
            _start = 0;
        }
        int read;
        var token = Arm(timeout, ct);
        try
        {
            read = await _stream.ReadAsync(_input.AsMemory(_end), token).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException)
        {
            throw Failure(ex, stage, activity, timeout, ct, writing: false);
        }
        finally
        {
            Disarm();
        }
        if (read == 0)
            throw new SmtpClientException(stage, $"connection closed by {Peer} while {activity}") { ClosedByPeer = true };
        _end += read;
    }

    private CancellationToken Arm(TimeSpan timeout, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        _timer.CancelAfter(timeout);
        return _timer.Token;
    }

    /// <summary>Stops the timer; one that fired after the I/O completed is replaced, never reused cancelled.</summary>
    private void Disarm()
    {
        if (_timer.TryReset()) return;
        _timer = new CancellationTokenSource(); // the fired one holds nothing more to release; a late Cancel on it is harmless
    }

    private void CancelCurrent() => _timer.Cancel();

    private Exception Failure(Exception ex, SmtpClientFailureStage stage, string activity, TimeSpan timeout, CancellationToken ct, bool writing)
    {
        if (ex is OperationCanceledException)
        {
            if (ct.IsCancellationRequested) return new OperationCanceledException(ct);
            var what = writing ? $"did not take data for {Format(timeout)}" : $"did not answer within {Format(timeout)}";
            return new SmtpClientException(stage, $"{Peer} {what} while {activity}", innerException: ex);
        }
        return new SmtpClientException(stage, $"connection to {Peer} failed while {activity}: {ex.Message}", innerException: ex) { ClosedByPeer = true };
    }

    private SmtpClientException Protocol(SmtpClientFailureStage stage, string what) => new(stage, $"{Peer} {what}");
}
