using System.Buffers;
using System.Net;
using System.Net.Security;
using System.Security.Cryptography.X509Certificates;

namespace SmarthostLab.Smtp.Client;

/// <summary>
/// One SMTP session to a next hop, for onward delivery of stored messages (RFC 5321 client side): connects, reads
/// the greeting, says EHLO (HELO when EHLO is refused), takes STARTTLS (RFC 3207) as <see cref="SmtpClientOptions.Tls"/>
/// says, then sends any number of transactions with <see cref="SendAsync"/>, byte-exact: DATA with dot-stuffing, or
/// BDAT (RFC 3030) verbatim when CHUNKING is offered; MAIL FROM and RCPT TO pipelined when PIPELINING is offered
/// (RFC 2920). Every reply is returned; refusals inside a transaction are results, and anything that ends the session
/// is an <see cref="SmtpClientException"/>, after which the connection is closed (<see cref="IsUsable"/> is false).
/// One operation at a time; a second one started concurrently throws <see cref="InvalidOperationException"/>.
/// </summary>
public sealed partial class SmtpClientConnection : IAsyncDisposable
{
    private static readonly RemoteCertificateValidationCallback AcceptAnyCertificate = static (_, _, _, _) => true;

    private readonly SmtpClientTransport _transport;
    private readonly SmtpClientOptions _options;
    private int _busy;
    private int _disposed;
    private volatile bool _closed;

    private SmtpClientConnection(SmtpClientTransport transport, IPEndPoint remote, string remoteHostName, SmtpClientOptions options)
    {
        _transport = transport;
        _options = options;
        RemoteEndPoint = remote;
        RemoteHostName = remoteHostName;
    }

    /// <summary>The server's greeting (2xx; anything else failed the connect).</summary>
    public SmtpClientReply Greeting { get; private set; } = null!;

    /// <summary>The last reply to EHLO (after STARTTLS, the one said inside TLS), or to HELO after the fallback.</summary>
    public SmtpClientReply EhloReply { get; private set; } = null!;

    /// <summary>What the last EHLO reply offered; <see cref="SmtpClientCapabilities.None"/> after the HELO fallback.</summary>
    public SmtpClientCapabilities Capabilities { get; private set; }

    /// <summary>The SIZE limit (RFC 1870) when one was advertised with a positive number; null otherwise ("SIZE" or "SIZE 0": no fixed limit).</summary>
    public long? MaxSize { get; private set; }

    /// <summary>True once STARTTLS succeeded.</summary>
    public bool IsTls => TlsProtocol is not null;

    /// <summary>The negotiated protocol, e.g. "Tls13"; null without TLS.</summary>
    public string? TlsProtocol { get; private set; }

    /// <summary>The negotiated cipher suite, e.g. "TLS_AES_256_GCM_SHA384"; null without TLS.</summary>
    public string? TlsCipher { get; private set; }

    /// <summary>The address connected to.</summary>
    public IPEndPoint RemoteEndPoint { get; }

    /// <summary>The name given at connect: the TLS target host (SNI and certificate name) and the name in messages.</summary>
    public string RemoteHostName { get; }

    /// <summary>Transactions started on this connection (MAIL FROM sent), whatever their outcome.</summary>
    public int TransactionsSent { get; private set; }

    /// <summary>
    /// False once the session is over: after an <see cref="SmtpClientException"/>, a cancelled operation,
    /// <see cref="QuitAsync"/> or dispose. A connection that is not usable only throws <see cref="InvalidOperationException"/>.
    /// </summary>
    public bool IsUsable => !_closed;

    /// <summary>
    /// Connects to <paramref name="remote"/> and opens the session: greeting, EHLO (HELO if EHLO gets a 5xx), and
    /// STARTTLS followed by a second EHLO when <see cref="SmtpClientOptions.Tls"/> asks for it and the server offers it.
    /// A server that refuses the session (non-2xx greeting) or that does not offer required TLS is sent QUIT
    /// without waiting for its reply.
    /// </summary>
    /// <param name="remote">The next hop's address and port.</param>
    /// <param name="remoteHostName">The next hop's name (e.g. the MX host), for TLS (SNI and certificate validation) and messages; may be the address itself.</param>
    /// <param name="options">HELO name, source address, TLS mode and timeouts.</param>
    /// <param name="ct">Cancels the connect; the connection is then closed and <see cref="OperationCanceledException"/> thrown.</param>
    /// <exception cref="SmtpClientException">The connection or the session could not be opened; <see cref="SmtpClientException.Stage"/> says where.</exception>
    /// <exception cref="ArgumentException">An empty host name, or a HELO name that is empty or holds a space, CR, LF or NUL.</exception>
    public static async Task<SmtpClientConnection> ConnectAsync(IPEndPoint remote, string remoteHostName, SmtpClientOptions options, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(remote);
        ArgumentException.ThrowIfNullOrEmpty(remoteHostName);
        ArgumentNullException.ThrowIfNull(options);
        SmtpClientCommands.ValidateHeloName(options.HeloName);
        var transport = await SmtpClientTransport.ConnectAsync(remote, remoteHostName, options, ct).ConfigureAwait(false);
        var connection = new SmtpClientConnection(transport, remote, remoteHostName, options);
        var registration = connection.Begin(ct);
        var opened = false;
        try
        {
            await connection.OpenAsync(ct).ConfigureAwait(false);
            opened = true;
            return connection;
        }
        finally
        {
            connection.End(registration, keepOpen: opened);
            if (!opened) await connection.DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Sends QUIT, reads the reply and closes the connection. Returns quietly when the session is already over or the
    /// peer closed first.
    /// </summary>
    /// <exception cref="SmtpClientException">No reply within <see cref="SmtpClientOptions.CommandTimeout"/>, or a malformed one (the connection is closed all the same).</exception>
    public async Task QuitAsync(CancellationToken ct)
    {
        if (_closed) return;
        var registration = Begin(ct);
        try
        {
            _transport.Output.Write("QUIT\r\n"u8);
            await FlushAsync(SmtpClientFailureStage.Quit, "sending QUIT", ct).ConfigureAwait(false);
            await _transport.ReadReplyAsync(SmtpClientFailureStage.Quit, "waiting for the reply to QUIT", _options.CommandTimeout, ct).ConfigureAwait(false);
        }
        catch (SmtpClientException ex) when (ex.ClosedByPeer)
        {
            // The peer closed first: the session is over, which is all QUIT asks for.
        }
        finally
        {
            End(registration, keepOpen: false);
            await DisposeAsync().ConfigureAwait(false);
        }
    }

    /// <summary>Closes the connection without QUIT; an operation under way fails. Safe to call more than once.</summary>
    public async ValueTask DisposeAsync()
    {
        _closed = true;
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        await _transport.DisposeAsync().ConfigureAwait(false);
    }

    private async Task OpenAsync(CancellationToken ct)
    {
        Greeting = await ReadAsync(SmtpClientFailureStage.Greeting, "waiting for the greeting", ct).ConfigureAwait(false);
        if (!IsCompletion(Greeting))
        {
            await SendQuitWithoutWaitingAsync(ct).ConfigureAwait(false);
            throw new SmtpClientException(SmtpClientFailureStage.Greeting, $"{_transport.Peer} refused the session: {Greeting}", Greeting);
        }

        await HelloAsync(ct).ConfigureAwait(false);
        if (_options.Tls == SmtpClientTls.None) return;
        if ((Capabilities & SmtpClientCapabilities.StartTls) == 0)
        {
            if (_options.Tls == SmtpClientTls.Opportunistic) return;
            await SendQuitWithoutWaitingAsync(ct).ConfigureAwait(false);
            throw new SmtpClientException(SmtpClientFailureStage.StartTls, $"TLS is required but {_transport.Peer} did not offer STARTTLS", tlsFailure: true);
        }

        _transport.Output.Write("STARTTLS\r\n"u8);
        await FlushAsync(SmtpClientFailureStage.StartTls, "sending STARTTLS", ct).ConfigureAwait(false);
        var reply = await ReadAsync(SmtpClientFailureStage.StartTls, "waiting for the reply to STARTTLS", ct).ConfigureAwait(false);
        if (reply.Code != 220)
        {
            if (_options.Tls == SmtpClientTls.Opportunistic) return; // still in plain text, and usable
            await SendQuitWithoutWaitingAsync(ct).ConfigureAwait(false);
            throw new SmtpClientException(SmtpClientFailureStage.StartTls, $"TLS is required but {_transport.Peer} refused STARTTLS: {reply}", reply, tlsFailure: true);
        }

        var authentication = new SslClientAuthenticationOptions
        {
            TargetHost = RemoteHostName,
            RemoteCertificateValidationCallback = _options.Tls == SmtpClientTls.RequiredValid ? null : AcceptAnyCertificate,
            CertificateRevocationCheckMode = X509RevocationMode.NoCheck,
        };
        await _transport.StartTlsAsync(authentication, _options.CommandTimeout, ct).ConfigureAwait(false);
        TlsProtocol = _transport.Tls!.SslProtocol.ToString();
        TlsCipher = _transport.Tls.NegotiatedCipherSuite.ToString();
        await HelloAsync(ct).ConfigureAwait(false); // RFC 3207 4.2: forget what was said in plain text
    }

    /// <summary>EHLO, and HELO when EHLO gets a 5xx (RFC 5321 4.1.4: then no extensions).</summary>
    private async Task HelloAsync(CancellationToken ct)
    {
        SmtpClientCommands.WriteHello(_transport.Output, extended: true, _options.HeloName);
        await FlushAsync(SmtpClientFailureStage.Ehlo, "sending EHLO", ct).ConfigureAwait(false);
        var reply = await ReadAsync(SmtpClientFailureStage.Ehlo, "waiting for the reply to EHLO", ct).ConfigureAwait(false);
        if (reply.IsPermanent)
        {
            SmtpClientCommands.WriteHello(_transport.Output, extended: false, _options.HeloName);
            await FlushAsync(SmtpClientFailureStage.Ehlo, "sending HELO", ct).ConfigureAwait(false);
            var helo = await ReadAsync(SmtpClientFailureStage.Ehlo, "waiting for the reply to HELO", ct).ConfigureAwait(false);
            if (!IsCompletion(helo))
                throw new SmtpClientException(SmtpClientFailureStage.Ehlo, $"{_transport.Peer} refused EHLO ({reply}) and HELO: {helo}", helo);
            EhloReply = helo;
            Capabilities = SmtpClientCapabilities.None;
            MaxSize = null;
            return;
        }
        if (!IsCompletion(reply))
            throw new SmtpClientException(SmtpClientFailureStage.Ehlo, $"{_transport.Peer} refused EHLO: {reply}", reply);
        EhloReply = reply;
        Capabilities = SmtpClientCapabilityParser.Parse(reply.Lines, out var maxSize);
        MaxSize = maxSize;
    }

    /// <summary>
    /// QUIT to a server whose session we abandon (refused greeting, TLS required but unavailable), without waiting
    /// for the reply: the reason we abandon it is the exception the caller gets.
    /// </summary>
    private async Task SendQuitWithoutWaitingAsync(CancellationToken ct)
    {
        _transport.Output.Write("QUIT\r\n"u8);
        try
        {
            await FlushAsync(SmtpClientFailureStage.Quit, "sending QUIT", ct).ConfigureAwait(false);
        }
        catch (SmtpClientException)
        {
            // The peer is gone or stuck; the session is being abandoned for another reason, which the caller gets.
        }
    }

    /// <summary>Reads a reply within <see cref="SmtpClientOptions.CommandTimeout"/> (or <paramref name="timeout"/>); a 421 ends the session (RFC 5321 3.8).</summary>
    private async ValueTask<SmtpClientReply> ReadAsync(SmtpClientFailureStage stage, string activity, CancellationToken ct, TimeSpan? timeout = null)
    {
        var reply = await _transport.ReadReplyAsync(stage, activity, timeout ?? _options.CommandTimeout, ct).ConfigureAwait(false);
        if (reply.Code == 421)
            throw new SmtpClientException(stage, $"{_transport.Peer} closed the session while {activity}: {reply}", reply);
        return reply;
    }

    private ValueTask FlushAsync(SmtpClientFailureStage stage, string activity, CancellationToken ct) =>
        _transport.FlushAsync(stage, activity, _options.CommandTimeout, ct);

    private static bool IsCompletion(SmtpClientReply? reply) => reply is { Code: >= 200 and < 300 };

    /// <summary>Starts an operation: the connection must be open and idle; the caller's token is linked to the I/O.</summary>
    private CancellationTokenRegistration Begin(CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        if (_closed) throw new InvalidOperationException($"the session with {_transport.Peer} is over; connect again");
        if (Interlocked.Exchange(ref _busy, 1) != 0)
            throw new InvalidOperationException($"another operation is under way on the connection to {_transport.Peer}; use one at a time");
        return _transport.Link(ct);
    }

    /// <summary>Ends an operation; unless it completed with the session intact, the connection is closed at once.</summary>
    private void End(CancellationTokenRegistration registration, bool keepOpen)
    {
        registration.Dispose();
        if (!keepOpen)
        {
            _closed = true;
            _transport.Abort();
        }
        Volatile.Write(ref _busy, 0);
    }
}
