using System.IO.Pipelines;
using System.Net;
using System.Net.Security;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Connections.Features;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SmarthostLab.Smtp.Session;

namespace SmarthostLab.Smtp.Server;

/// <summary>
/// Kestrel connection handler running one <see cref="SmtpSession"/> per connection (RFC 5321). On an implicit-TLS
/// endpoint (RFC 8314 3.3, port 465 style) it does the TLS handshake first so the session knows the TLS details.
/// Honours graceful shutdown: the connection's close request and the host's stopping token. A connection never
/// outlives its session by more than <see cref="CloseLinger"/>: Kestrel sends what is left after the session
/// ends, and a client that does not take it would otherwise hold the socket (and a stopping host) forever.
/// </summary>
public sealed class SmtpConnectionHandler : ConnectionHandler
{
    /// <summary>How long the last replies may take to leave once the session has ended; then the connection is aborted.</summary>
    public static readonly TimeSpan CloseLinger = TimeSpan.FromSeconds(2);

    private readonly IOptionsMonitor<SmtpOptions> _options;
    private readonly ISmtpSessionHandler _handler;
    private readonly SmtpTlsCertificate _certificate;
    private readonly SmtpMetrics _metrics;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;
    private readonly IHostApplicationLifetime _lifetime;

    /// <summary>Created by <see cref="SmtpListenOptionsExtensions.UseSmtp"/> from DI.</summary>
    public SmtpConnectionHandler(IOptionsMonitor<SmtpOptions> options, ISmtpSessionHandler handler, SmtpTlsCertificate certificate,
        SmtpMetrics metrics, ILoggerFactory loggerFactory, TimeProvider timeProvider, IHostApplicationLifetime lifetime, bool implicitTls = false)
    {
        _options = options;
        _handler = handler;
        _certificate = certificate;
        _metrics = metrics;
        _logger = loggerFactory.CreateLogger("SmarthostLab.Smtp.Session");
        _time = timeProvider;
        _lifetime = lifetime;
        ImplicitTls = implicitTls;
    }

    /// <summary>True on an implicit-TLS endpoint.</summary>
    public bool ImplicitTls { get; }

    /// <inheritdoc />
    public override async Task OnConnectedAsync(ConnectionContext connection)
    {
        var options = _options.CurrentValue;
        var remote = connection.RemoteEndPoint as IPEndPoint ?? new IPEndPoint(IPAddress.IPv6None, 0);
        var local = connection.LocalEndPoint as IPEndPoint ?? new IPEndPoint(IPAddress.IPv6None, 0);
        var proxy = connection.Features.Get<Proxy.ProxyConnectionFeature>();
        var context = new SessionContext(connection.ConnectionId, remote, local)
        {
            ImplicitTls = ImplicitTls,
            ProxyPeer = proxy?.Peer,
            ProxyLocal = proxy?.IsLocal ?? false,
        };
        var closeRequested = connection.Features.Get<IConnectionLifetimeNotificationFeature>()?.ConnectionClosedRequested ?? default;
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(closeRequested, _lifetime.ApplicationStopping);

        IDuplexPipe transport = connection.Transport;
        SslStream? ssl = null;
        try
        {
            if (ImplicitTls)
            {
                ssl = await HandshakeAsync(connection, context, options).ConfigureAwait(false);
                if (ssl is null) return;
                transport = new StreamDuplexPipe(ssl);
            }
            var session = new SmtpSession(transport, context, _handler, options,
                ImplicitTls ? null : _certificate.Certificate, _time, _logger, _metrics)
            {
                AbortTransport = () => connection.Abort(new ConnectionAbortedException("The SMTP client did not read its replies.")),
                Slot = connection.Features.Get<SmtpConnectionSlot>(),
            };
            if (ssl is not null) session.RecordTls(ssl);
            await session.RunAsync(stopping.Token, connection.ConnectionClosed).ConfigureAwait(false);
        }
        finally
        {
            if (ssl is not null) await ssl.DisposeAsync().ConfigureAwait(false);
            await CloseAsync(connection).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Lets Kestrel send what is left and close (the connection-closed token fires once the socket is shut down),
    /// for at most <see cref="CloseLinger"/>; then aborts, which is a no-op for a connection already closed.
    /// </summary>
    private async Task CloseAsync(ConnectionContext connection)
    {
        await connection.Transport.Input.CompleteAsync().ConfigureAwait(false);
        await connection.Transport.Output.CompleteAsync().ConfigureAwait(false);
        var closed = connection.ConnectionClosed;
        if (!closed.IsCancellationRequested)
        {
            var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            using (closed.Register(static s => ((TaskCompletionSource)s!).TrySetResult(), done))
            {
                try
                {
                    await done.Task.WaitAsync(CloseLinger, _time).ConfigureAwait(false);
                }
                catch (TimeoutException)
                {
                    SmtpLog.CloseLingerExpired(_logger, connection.ConnectionId);
                }
            }
        }
        connection.Abort(new ConnectionAbortedException("The SMTP session has ended."));
    }

    private async Task<SslStream?> HandshakeAsync(ConnectionContext connection, SessionContext context, SmtpOptions options)
    {
        var certificate = _certificate.Certificate;
        if (certificate is null)
        {
            SmtpLog.TlsHandshakeFailed(_logger, context.Id, "no certificate configured for the implicit-TLS endpoint");
            return null;
        }
        return await SmtpSession.HandshakeAsync(connection.Transport, certificate, options.CommandTimeout, _time, connection.ConnectionClosed, _logger, context.Id)
            .ConfigureAwait(false);
    }
}
