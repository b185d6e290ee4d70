using System.Collections.Concurrent;
using System.Net;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SmarthostLab.Smtp.Protocol;
using SmarthostLab.Smtp.Session;

namespace SmarthostLab.Smtp.Server;

/// <summary>
/// Connection middleware in front of the SMTP sessions: counts connections (metrics) and enforces
/// <see cref="SmtpOptions.MaxConnections"/> and <see cref="SmtpOptions.MaxConnectionsPerIp"/>. Past either the
/// client gets "421 4.7.0" in place of a greeting (RFC 5321 3.8) and the connection closes. One instance is
/// shared by all SMTP endpoints of the host.
/// </summary>
public sealed class SmtpConnectionLimiter
{
    private readonly IOptionsMonitor<SmtpOptions> _options;
    private readonly ISmtpSessionHandler _handler;
    private readonly SmtpMetrics _metrics;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<IPAddress, int> _perIp = new();
    private int _total;

    /// <summary>Created once per host by DI.</summary>
    public SmtpConnectionLimiter(IOptionsMonitor<SmtpOptions> options, ISmtpSessionHandler handler, SmtpMetrics metrics, ILogger<SmtpConnectionLimiter> logger)
    {
        _options = options;
        _handler = handler;
        _metrics = metrics;
        _logger = logger;
    }

    /// <summary>Connections open now.</summary>
    public int ActiveConnections => Volatile.Read(ref _total);

    /// <summary>The middleware: admits the connection to <paramref name="next"/> or refuses it.</summary>
    public async Task InvokeAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        _metrics.ConnectionOpened();
        var remote = connection.RemoteEndPoint as IPEndPoint ?? new IPEndPoint(IPAddress.IPv6None, 0);
        var ip = remote.Address.IsIPv4MappedToIPv6 ? remote.Address.MapToIPv4() : remote.Address;
        var total = Interlocked.Increment(ref _total);
        var fromIp = _perIp.AddOrUpdate(ip, 1, static (_, n) => n + 1);
        try
        {
            var options = _options.CurrentValue;
            SmtpReply? refusal = null;
            if (total > options.MaxConnections) refusal = SmtpReplies.TooManyConnections(SmtpSession.HostNameOf(options));
            else if (fromIp > options.MaxConnectionsPerIp) refusal = SmtpReplies.TooManyConnectionsFrom(SmtpSession.HostNameOf(options), ip.ToString());
            if (refusal is null)
            {
                await next(connection).ConfigureAwait(false);
                return;
            }
            await RefuseAsync(connection, remote, refusal).ConfigureAwait(false);
        }
        finally
        {
            Interlocked.Decrement(ref _total);
            Release(ip);
            _metrics.ConnectionClosed();
        }
    }

    private async Task RefuseAsync(ConnectionContext connection, IPEndPoint remote, SmtpReply refusal)
    {
        SmtpLog.ConnectionLimit(_logger, remote.Address, refusal.ToString());
        _metrics.Refusal("too-many-connections");
        var local = connection.LocalEndPoint as IPEndPoint ?? new IPEndPoint(IPAddress.IPv6None, 0);
        var context = new SessionContext(connection.ConnectionId, remote, local);
        context.Transcript.Server(refusal);
        try
        {
            _handler.OnRefused(context, new SmtpRefusal("connect", refusal, "too-many-connections"));
        }
        catch (Exception ex)
        {
            SmtpLog.RefusalHandlerFailed(_logger, context.Id, ex);
        }
        try
        {
            SmtpReplyWriter.Write(connection.Transport.Output, refusal);
            await connection.Transport.Output.FlushAsync().ConfigureAwait(false);
            await connection.Transport.Output.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or ConnectionResetException or ObjectDisposedException or InvalidOperationException)
        {
            SmtpLog.ConnectionLost(_logger, context.Id, ex.Message);
        }
    }

    private void Release(IPAddress ip)
    {
        while (_perIp.TryGetValue(ip, out var n))
        {
            if (n <= 1 ? _perIp.TryRemove(KeyValuePair.Create(ip, n)) : _perIp.TryUpdate(ip, n - 1, n)) return;
        }
    }
}
