using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SmarthostLab.Smtp.Protocol;
using SmarthostLab.Smtp.Server;
using SmarthostLab.Smtp.Session;

namespace SmarthostLab.Smtp.Proxy;

/// <summary>
/// Connection middleware reading the PROXY protocol header (HAProxy's proxy-protocol.txt) in front of the connection
/// limiter and the SMTP session, with <see cref="SmtpOptions.ProxyProtocol"/> Required; with Off it passes the
/// connection on untouched. A valid header from a trusted peer makes its source address the connection's
/// <c>RemoteEndPoint</c>, so the limits, the handler and the session all see the client, never the balancer (kept in
/// <see cref="ProxyConnectionFeature"/>). A peer outside <see cref="SmtpOptions.ProxyTrustedNetworks"/>, a connection
/// that sends no header (other data first, or nothing within <see cref="SmtpOptions.CommandTimeout"/>), or a malformed
/// or oversized header: the connection is closed without a greeting, as Postfix's smtpd does with
/// <c>smtpd_upstream_proxy_protocol</c> ("hang up before accepting input: we don't know what we're talking to"),
/// logged (at most 10 lines a second) and recorded as a refusal at stage <c>proxy</c> naming the TCP peer. A trusted
/// peer that closes without sending a byte (HAProxy's plain TCP <c>check</c> connects and resets) is no refusal.
/// </summary>
public sealed class ProxyProtocolMiddleware
{
    /// <summary>The stage refusals of this middleware are recorded under.</summary>
    public const string Stage = "proxy";

    private readonly IOptionsMonitor<SmtpOptions> _options;
    private readonly ISmtpSessionHandler _handler;
    private readonly SmtpMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly CancellationToken _stopping;
    private readonly LogThrottle _log;
    private (List<string> Source, TrustedProxies Trusted)? _trusted;

    /// <summary>Created once per host by <see cref="SmtpListenOptionsExtensions.UseSmtp"/>.</summary>
    public ProxyProtocolMiddleware(IOptionsMonitor<SmtpOptions> options, ISmtpSessionHandler handler, SmtpMetrics metrics, TimeProvider time,
        ILogger<ProxyProtocolMiddleware> logger, IHostApplicationLifetime? lifetime = null)
    {
        _options = options;
        _handler = handler;
        _metrics = metrics;
        _time = time;
        _logger = logger;
        _stopping = lifetime?.ApplicationStopping ?? default;
        _log = new LogThrottle(10, time);
    }

    /// <summary>The middleware: with Off, <paramref name="next"/> at once; with Required, the header first.</summary>
    public Task InvokeAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        var options = _options.CurrentValue;
        return options.ProxyProtocol == ProxyProtocolMode.Off ? next(connection) : RequireHeaderAsync(connection, next, options);
    }

    private async Task RequireHeaderAsync(ConnectionContext connection, ConnectionDelegate next, SmtpOptions options)
    {
        var peer = connection.RemoteEndPoint as IPEndPoint ?? new IPEndPoint(IPAddress.IPv6None, 0);
        if (!Trusted(options).Contains(peer.Address))
        {
            Refuse(connection, peer, "proxy-untrusted", $"PROXY protocol required, and {Unmapped(peer.Address)} is not in Smtp:ProxyTrustedNetworks");
            return;
        }
        var (status, header, problem) = await ReadHeaderAsync(connection.Transport.Input, options.CommandTimeout).ConfigureAwait(false);
        if (status != ProxyHeaderStatus.Parsed)
        {
            // The host is stopping, or the peer left without sending a byte (HAProxy's plain "check" connects and resets):
            // no refusal, the connection just closes.
            if (status == ProxyHeaderStatus.Incomplete) return;
            Refuse(connection, peer, ReasonOf(status, problem), problem);
            return;
        }
        connection.Features.Set(new ProxyConnectionFeature(peer, header));
        if (header.Source is { } source) connection.RemoteEndPoint = source;
        ProxyLog.Accepted(_logger, connection.ConnectionId, header.Version, peer, header.Source?.ToString() ?? "none (LOCAL: the balancer's own connection)");
        await next(connection).ConfigureAwait(false);
    }

    /// <summary>
    /// Reads until the header is whole, broken, or absent; the header's octets are consumed, what follows stays in the
    /// pipe for the session. Incomplete on return: the host is stopping, or the peer closed without sending anything.
    /// </summary>
    private async Task<(ProxyHeaderStatus, ProxyHeader, string)> ReadHeaderAsync(PipeReader input, TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout, _time);
        using var stopping = _stopping.UnsafeRegister(static s => ((CancellationTokenSource)s!).Cancel(), deadline);
        var received = false;
        while (true)
        {
            ReadResult result;
            try
            {
                result = await input.ReadAsync(deadline.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return _stopping.IsCancellationRequested
                    ? (ProxyHeaderStatus.Incomplete, default, "")
                    : (ProxyHeaderStatus.Missing, default, $"no PROXY protocol header within {timeout} (Smtp:CommandTimeout)");
            }
            catch (Exception ex) when (ex is IOException or ConnectionResetException or ConnectionAbortedException)
            {
                return (received ? ProxyHeaderStatus.Missing : ProxyHeaderStatus.Incomplete, default,
                    "the connection was lost inside its PROXY protocol header");
            }
            var buffer = result.Buffer;
            received |= !buffer.IsEmpty;
            var status = ProxyHeaderParser.TryParse(buffer, out var header, out var problem);
            if (status == ProxyHeaderStatus.Parsed)
            {
                input.AdvanceTo(buffer.GetPosition(header.Length));
                return (status, header, "");
            }
            input.AdvanceTo(buffer.Start, buffer.End);
            if (status != ProxyHeaderStatus.Incomplete) return (status, header, problem);
            if (result.IsCompleted || result.IsCanceled)
                return (received ? ProxyHeaderStatus.Missing : ProxyHeaderStatus.Incomplete, default, "the connection closed inside its PROXY protocol header");
        }
    }

    private static string ReasonOf(ProxyHeaderStatus status, string problem) => status switch
    {
        ProxyHeaderStatus.TooLong => "proxy-too-long",
        ProxyHeaderStatus.Malformed => "proxy-malformed",
        _ when problem.StartsWith("no PROXY protocol header within", StringComparison.Ordinal) => "proxy-timeout",
        _ => "proxy-missing",
    };

    private TrustedProxies Trusted(SmtpOptions options)
    {
        // Options are validated at start; the parsed list is kept until the options object changes (reload).
        if (_trusted is { } cached && ReferenceEquals(cached.Source, options.ProxyTrustedNetworks)) return cached.Trusted;
        if (!TrustedProxies.TryCreate(options.ProxyTrustedNetworks, out var trusted, out _)) TrustedProxies.TryCreate(null, out trusted, out _);
        _trusted = (options.ProxyTrustedNetworks, trusted);
        return trusted;
    }

    private static IPAddress Unmapped(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;

    /// <summary>Counts, logs (throttled) and records the refusal; the caller then returns and Kestrel closes the connection.</summary>
    private void Refuse(ConnectionContext connection, IPEndPoint peer, string reason, string problem)
    {
        _metrics.Refusal(reason);
        if (_log.TryLog(out var held))
        {
            if (held > 0) ProxyLog.RefusalsNotLogged(_logger, held);
            ProxyLog.Refused(_logger, Unmapped(peer.Address), problem, reason);
        }
        var local = connection.LocalEndPoint as IPEndPoint ?? new IPEndPoint(IPAddress.IPv6None, 0);
        var context = new SessionContext(connection.ConnectionId, peer, local) { ProxyPeer = peer };
        try
        {
            _handler.OnRefused(context, new SmtpRefusal(Stage, new SmtpReply(421, "4.7.0", problem), reason) { Sent = false });
        }
        catch (Exception ex)
        {
            ProxyLog.RefusalHandlerFailed(_logger, connection.ConnectionId, ex);
        }
    }
}
