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
/// <see cref="SmtpOptions.MaxConnections"/> and <see cref="SmtpOptions.MaxConnectionsPerIp"/> (IPv6 clients per
/// <see cref="SmtpOptions.IPv6PrefixLength"/> network). Past either the client gets "421 4.7.0" in place of a
/// greeting (RFC 5321 3.8) and the connection closes. A session the handler refuses leaves the general pool for
/// a budget of its own (<see cref="SmtpOptions.MaxRefusedConnections"/>, through the connection's
/// <see cref="SmtpConnectionSlot"/>), so refused clients never hold the slots of admitted ones. One instance is
/// shared by all SMTP endpoints of the host.
/// </summary>
public sealed class SmtpConnectionLimiter
{
    private readonly IOptionsMonitor<SmtpOptions> _options;
    private readonly ISmtpSessionHandler _handler;
    private readonly SmtpMetrics _metrics;
    private readonly ILogger _logger;
    private readonly ConcurrentDictionary<IPAddress, int> _perIp = new();
    private readonly LogThrottle _limitLog = new(10);
    private int _total;
    private int _refused;

    /// <summary>Created once per host by DI.</summary>
    public SmtpConnectionLimiter(IOptionsMonitor<SmtpOptions> options, ISmtpSessionHandler handler, SmtpMetrics metrics, ILogger<SmtpConnectionLimiter> logger)
    {
        _options = options;
        _handler = handler;
        _metrics = metrics;
        _logger = logger;
    }

    /// <summary>Connections open now, refused sessions included.</summary>
    public int ActiveConnections => Volatile.Read(ref _total) + Volatile.Read(ref _refused);

    /// <summary>Refused sessions open now (the <see cref="SmtpOptions.MaxRefusedConnections"/> budget).</summary>
    public int RefusedConnections => Volatile.Read(ref _refused);

    /// <summary>
    /// The key a client is counted under for <see cref="SmtpOptions.MaxConnectionsPerIp"/>: an IPv4 address (an
    /// IPv4-mapped IPv6 one unmapped) as is, an IPv6 address cut to its first <paramref name="ipv6PrefixLength"/> bits.
    /// </summary>
    public static IPAddress ClientKey(IPAddress address, int ipv6PrefixLength)
    {
        if (address.IsIPv4MappedToIPv6) return address.MapToIPv4();
        if (address.AddressFamily != System.Net.Sockets.AddressFamily.InterNetworkV6 || ipv6PrefixLength >= 128) return address;
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out _);
        var bits = Math.Max(ipv6PrefixLength, 0);
        for (var i = 0; i < 16; i++, bits -= 8)
            bytes[i] &= bits >= 8 ? (byte)0xFF : (byte)(0xFF << (8 - Math.Max(bits, 0)));
        return new IPAddress(bytes);
    }

    /// <summary>The middleware: admits the connection to <paramref name="next"/> or refuses it.</summary>
    public async Task InvokeAsync(ConnectionContext connection, ConnectionDelegate next)
    {
        _metrics.ConnectionOpened();
        var options = _options.CurrentValue;
        var remote = connection.RemoteEndPoint as IPEndPoint ?? new IPEndPoint(IPAddress.IPv6None, 0);
        var ip = remote.Address.IsIPv4MappedToIPv6 ? remote.Address.MapToIPv4() : remote.Address;
        var key = ClientKey(ip, options.IPv6PrefixLength);
        var slot = new SmtpConnectionSlot(this);
        // A client the handler will refuse is counted in the refused budget from the start (past it, nowhere: its session
        // sends the refusal alone and closes); it never takes a slot of the general pool (issue 16, defect 2).
        // The balancer's own connection (PROXY LOCAL, e.g. a health check) is greeted without the handler's admission.
        var refusedClient = connection.Features.Get<Proxy.ProxyConnectionFeature>() is not { IsLocal: true } && _handler.RefusesAtConnect(ip);
        var total = 0;
        if (refusedClient) slot.Place = Interlocked.Increment(ref _refused) <= options.MaxRefusedConnections ? SlotPlace.Refused : SlotPlace.Nowhere;
        else total = Interlocked.Increment(ref _total);
        if (slot.Place == SlotPlace.Nowhere) Interlocked.Decrement(ref _refused);
        var fromIp = _perIp.AddOrUpdate(key, 1, static (_, n) => n + 1);
        try
        {
            SmtpReply? refusal = null;
            if (total > options.MaxConnections) refusal = SmtpReplies.TooManyConnections(SmtpSession.HostNameOf(options));
            else if (fromIp > options.MaxConnectionsPerIp) refusal = SmtpReplies.TooManyConnectionsFrom(SmtpSession.HostNameOf(options), ip.ToString());
            if (refusal is null)
            {
                connection.Features.Set(slot);
                await next(connection).ConfigureAwait(false);
                return;
            }
            await RefuseAsync(connection, remote, refusal).ConfigureAwait(false);
        }
        finally
        {
            if (slot.Place == SlotPlace.Refused) Interlocked.Decrement(ref _refused);
            else if (slot.Place == SlotPlace.General) Interlocked.Decrement(ref _total);
            Release(key);
            _metrics.ConnectionClosed();
        }
    }

    /// <summary>See <see cref="SmtpConnectionSlot.TryMoveToRefused"/>; called from the connection's own session only.</summary>
    internal bool TryMoveToRefused(SmtpConnectionSlot slot)
    {
        if (slot.Place != SlotPlace.General) return slot.Place == SlotPlace.Refused;
        if (Interlocked.Increment(ref _refused) > _options.CurrentValue.MaxRefusedConnections)
        {
            // Past the budget the session closes at once; until it has, it counts nowhere rather than in the pool.
            Interlocked.Decrement(ref _refused);
            slot.Place = SlotPlace.Nowhere;
            Interlocked.Decrement(ref _total);
            return false;
        }
        slot.Place = SlotPlace.Refused;
        Interlocked.Decrement(ref _total);
        return true;
    }

    private async Task RefuseAsync(ConnectionContext connection, IPEndPoint remote, SmtpReply refusal)
    {
        if (_limitLog.TryLog(out var held))
        {
            if (held > 0) SmtpLog.ConnectionLimitsNotLogged(_logger, held);
            SmtpLog.ConnectionLimit(_logger, remote.Address, refusal.ToString());
        }
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
