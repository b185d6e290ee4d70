using System.Collections.Concurrent;
using System.Net;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using SmarthostLab.Relay.Admission;
using SmarthostLab.Relay.Configuration;
using SmarthostLab.Relay.Diagnostics;
using SmarthostLab.Smtp;
using SmarthostLab.Smtp.Protocol;

namespace SmarthostLab.Relay.Limits;

/// <summary>A limit that refused something: its name (as in metrics and refusal reasons), scope and the reply sent.</summary>
/// <param name="Limit">messages-per-minute, recipients-per-minute, bytes-per-hour, concurrent-connections or connections-per-minute.</param>
/// <param name="Scope">account or ip.</param>
/// <param name="Reply">421 4.7.0 at connect, 451 4.7.1 at MAIL, RCPT and end of data, 552 5.3.4 for a message larger than a whole hour's bytes.</param>
public sealed record LimitDenial(string Limit, string Scope, SmtpReply Reply)
{
    /// <summary>The refusal reason recorded: <c>rate-limit:&lt;limit&gt;</c>.</summary>
    public string Reason => "rate-limit:" + Limit;
}

/// <summary>
/// The rate limits of issue 14, in the shape commercial smarthosts and Office 365 use: per account (messages and recipients
/// per minute, bytes per hour, connections open at once and per minute, <c>Accounts:N:Limits</c>) and per client IP
/// (connections per minute, <c>RateLimits:ConnectionsPerMinutePerIp</c>). Token buckets read from the relay's
/// <see cref="TimeProvider"/>; concurrency through the library's <see cref="ConcurrencyLimiter"/>. A refused request
/// takes no token. State is in memory: a restart starts every bucket full.
/// </summary>
public sealed class RateLimits : IDisposable
{
    /// <summary>Per-IP buckets kept before full (idle) ones are dropped.</summary>
    private const int IpBucketsBeforeSweep = 4096;

    private readonly TimeProvider _time;
    private readonly RelayMetrics _metrics;
    private readonly int _perIpPerMinute;
    private readonly ConcurrentDictionary<string, AccountLimiters> _accounts = new(StringComparer.OrdinalIgnoreCase);
    private readonly ClientBuckets? _ips;

    /// <summary>Creates the limits from the configuration.</summary>
    public RateLimits(IOptions<RateLimitsOptions> options, IOptions<SmtpOptions> smtp, TimeProvider time, RelayMetrics metrics)
    {
        _time = time;
        _metrics = metrics;
        _perIpPerMinute = options.Value.ConnectionsPerMinutePerIp;
        if (_perIpPerMinute > 0)
            _ips = new ClientBuckets(_perIpPerMinute, TimeSpan.FromMinutes(1), time, smtp.Value.IPv6PrefixLength, IpBucketsBeforeSweep);
    }

    /// <summary>
    /// A new connection from <paramref name="ip"/> of <paramref name="account"/> (null: not known yet). Null when it may go
    /// on, with <paramref name="lease"/> to dispose when it closes (the account's open-connections slot); else the 421.
    /// </summary>
    public LimitDenial? OnConnect(IPAddress ip, Account? account, out IDisposable? lease)
    {
        lease = null;
        if (_ips?.GetOrAdd(ip)!.AttemptAcquire() is { IsAcquired: false } fromIp)
            return Deny("connections-per-minute", "ip", new SmtpReply(421, "4.7.0",
                $"too many connections from {ip}: limit of {_perIpPerMinute} per minute reached, {RetryText(fromIp)}"));
        if (account is null || Of(account) is not { } limiters) return null;
        if (limiters.Connections?.AttemptAcquire() is { IsAcquired: false } refused)
            return Deny("connections-per-minute", "account", new SmtpReply(421, "4.7.0",
                $"account {account.Name}: limit of {limiters.Connections.Capacity} connections per minute reached, {RetryText(refused)}"));
        if (limiters.Concurrent is { } concurrent)
        {
            var slot = concurrent.AttemptAcquire();
            if (!slot.IsAcquired)
            {
                slot.Dispose();
                return Deny("concurrent-connections", "account", new SmtpReply(421, "4.7.0",
                    $"account {account.Name}: limit of {account.Options.Limits.ConcurrentConnections} open connections reached, try again later"));
            }
            lease = slot;
        }
        return null;
    }

    /// <summary>MAIL of <paramref name="account"/>, with the SIZE it declared: one message token, and the bytes must be there.</summary>
    public LimitDenial? OnMail(Account account, long? declaredSize)
    {
        if (Of(account) is not { } limiters) return null;
        if (declaredSize is { } size && limiters.Bytes is { } bytes)
        {
            if (size > bytes.Capacity) return TooBigForHour(account, size, bytes);
            if (bytes.TimeUntil(size) is { } wait && wait > TimeSpan.Zero) return BytesDenied(account, bytes, wait);
        }
        if (limiters.Messages?.AttemptAcquire() is { IsAcquired: false } refused)
            return Deny("messages-per-minute", "account", new SmtpReply(451, "4.7.1",
                $"account {account.Name}: limit of {limiters.Messages.Capacity} messages per minute reached, {RetryText(refused)}"));
        return null;
    }

    /// <summary>RCPT of <paramref name="account"/>: one recipient token.</summary>
    public LimitDenial? OnRecipient(Account account)
    {
        if (Of(account)?.Recipients is not { } recipients) return null;
        var lease = recipients.AttemptAcquire();
        if (lease.IsAcquired) return null;
        return Deny("recipients-per-minute", "account", new SmtpReply(451, "4.7.1",
            $"account {account.Name}: limit of {recipients.Capacity} recipients per minute reached, {RetryText(lease)}"));
    }

    /// <summary>The whole message of <paramref name="account"/> arrived: its octets are taken from the hour's bytes.</summary>
    public LimitDenial? OnMessage(Account account, long size)
    {
        if (Of(account)?.Bytes is not { } bytes) return null;
        if (size > bytes.Capacity) return TooBigForHour(account, size, bytes);
        var lease = bytes.AttemptAcquire(checked((int)size));
        return lease.IsAcquired ? null : BytesDenied(account, bytes, RetryAfter(lease));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var limiters in _accounts.Values) limiters.Dispose();
        _ips?.Dispose();
    }

    private LimitDenial BytesDenied(Account account, TokenBucket bytes, TimeSpan? wait) =>
        Deny("bytes-per-hour", "account", new SmtpReply(451, "4.7.1",
            $"account {account.Name}: limit of {bytes.Capacity} bytes per hour reached, {RetryText(wait)}"));

    private LimitDenial TooBigForHour(Account account, long size, TokenBucket bytes) =>
        Deny("bytes-per-hour", "account", new SmtpReply(552, "5.3.4",
            $"a message of {size} octets is larger than account {account.Name}'s limit of {bytes.Capacity} bytes per hour"));

    private LimitDenial Deny(string limit, string scope, SmtpReply reply)
    {
        _metrics.LimitExceeded(limit, scope);
        return new LimitDenial(limit, scope, reply);
    }

    private static TimeSpan? RetryAfter(RateLimitLease lease) => lease.TryGetMetadata(MetadataName.RetryAfter, out var after) ? after : null;

    private static string RetryText(RateLimitLease lease) => RetryText(RetryAfter(lease));

    private static string RetryText(TimeSpan? wait) => wait is { } w ? $"try again in {Math.Max(1, (int)Math.Ceiling(w.TotalSeconds))} s" : "try again later";

    private AccountLimiters? Of(Account account)
    {
        var limits = account.Options.Limits;
        if (!limits.Any) return null;
        return _accounts.GetOrAdd(account.Name, static (_, state) => new AccountLimiters(state.limits, state.time), (limits, time: _time));
    }

    private sealed class AccountLimiters : IDisposable
    {
        public AccountLimiters(AccountLimitOptions limits, TimeProvider time)
        {
            var minute = TimeSpan.FromMinutes(1);
            if (limits.MessagesPerMinute > 0) Messages = new TokenBucket(limits.MessagesPerMinute, minute, time);
            if (limits.RecipientsPerMinute > 0) Recipients = new TokenBucket(limits.RecipientsPerMinute, minute, time);
            if (limits.BytesPerHour > 0) Bytes = new TokenBucket(limits.BytesPerHour, TimeSpan.FromHours(1), time);
            if (limits.ConnectionsPerMinute > 0) Connections = new TokenBucket(limits.ConnectionsPerMinute, minute, time);
            if (limits.ConcurrentConnections > 0)
                Concurrent = new ConcurrencyLimiter(new ConcurrencyLimiterOptions { PermitLimit = limits.ConcurrentConnections, QueueLimit = 0 });
        }

        public TokenBucket? Messages { get; }
        public TokenBucket? Recipients { get; }
        public TokenBucket? Bytes { get; }
        public TokenBucket? Connections { get; }
        public ConcurrencyLimiter? Concurrent { get; }

        public void Dispose()
        {
            Messages?.Dispose();
            Recipients?.Dispose();
            Bytes?.Dispose();
            Connections?.Dispose();
            Concurrent?.Dispose();
        }
    }
}
