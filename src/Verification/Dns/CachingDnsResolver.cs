using System.Collections.Concurrent;

namespace SmarthostLab.Verification.Dns;

/// <summary>
/// A TTL-honouring cache in front of another resolver. Positive answers live for their smallest
/// record TTL, NXDOMAIN/NODATA for the answer's negative TTL (RFC 2308 5, from the SOA) or a default,
/// SERVFAIL and timeouts only seconds. Concurrent identical queries share one lookup. A hit is one
/// <see cref="ConcurrentDictionary{TKey, TValue}"/> read and a clock read: no locks, no allocation.
/// Size is bounded: past <see cref="DnsCacheOptions.MaxEntries"/>, expired entries are swept, then
/// the oldest-inserted go. Expiry follows the given <see cref="TimeProvider"/>.
/// </summary>
public sealed class CachingDnsResolver : IDnsResolver
{
    private readonly IDnsResolver inner;
    private readonly DnsCacheOptions options;
    private readonly TimeProvider time;
    private readonly ConcurrentDictionary<DnsCacheKey, Entry> entries = new();
    private readonly ConcurrentDictionary<DnsCacheKey, Lazy<Task<DnsAnswer>>> inflight = new();
    private readonly ConcurrentQueue<DnsCacheKey> insertionOrder = new();
    private readonly Lock sweepLock = new();
    private int count;
    private long hits;
    private long misses;

    /// <summary>Creates the cache.</summary>
    public CachingDnsResolver(IDnsResolver inner, DnsCacheOptions? options = null, TimeProvider? timeProvider = null)
    {
        this.inner = inner ?? throw new ArgumentNullException(nameof(inner));
        this.options = options ?? new DnsCacheOptions();
        time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Answers currently cached (expired ones included until swept).</summary>
    public int Count => Volatile.Read(ref count);

    /// <summary>Queries answered from the cache.</summary>
    public long Hits => Interlocked.Read(ref hits);

    /// <summary>Queries passed to the inner resolver (coalesced waiters not counted).</summary>
    public long Misses => Interlocked.Read(ref misses);

    /// <inheritdoc/>
    public ValueTask<DnsAnswer> QueryAsync(string name, DnsRecordType type, CancellationToken cancellationToken = default)
    {
        var key = new DnsCacheKey(name, type);
        if (entries.TryGetValue(key, out var entry) && entry.Expires > time.GetUtcNow())
        {
            Interlocked.Increment(ref hits);
            return ValueTask.FromResult(entry.Answer);
        }

        return MissAsync(key, cancellationToken);
    }

    /// <summary>Drops every cached answer.</summary>
    public void Clear()
    {
        lock (sweepLock)
        {
            entries.Clear();
            insertionOrder.Clear();
            Volatile.Write(ref count, 0);
        }
    }

    private async ValueTask<DnsAnswer> MissAsync(DnsCacheKey key, CancellationToken cancellationToken)
    {
        Lazy<Task<DnsAnswer>>? mine = null;
        mine = new Lazy<Task<DnsAnswer>>(() => FetchAsync(key, mine!), LazyThreadSafetyMode.ExecutionAndPublication);
        var shared = inflight.GetOrAdd(key, mine);
        var task = shared.Value;
        return await task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<DnsAnswer> FetchAsync(DnsCacheKey key, Lazy<Task<DnsAnswer>> self)
    {
        Interlocked.Increment(ref misses);
        try
        {
            // The shared lookup must not die with one waiter's token; inner resolvers have their own timeouts.
            var answer = await inner.QueryAsync(key.Name, key.Type, CancellationToken.None).ConfigureAwait(false);
            Store(key, answer);
            return answer;
        }
        finally
        {
            inflight.TryRemove(new KeyValuePair<DnsCacheKey, Lazy<Task<DnsAnswer>>>(key, self));
        }
    }

    private void Store(DnsCacheKey key, DnsAnswer answer)
    {
        var ttl = TimeToLive(answer);
        if (ttl <= TimeSpan.Zero)
        {
            return;
        }

        var entry = new Entry(answer, time.GetUtcNow() + ttl);
        var added = false;
        entries.AddOrUpdate(key, _ => { added = true; return entry; }, (_, _) => entry);
        if (added)
        {
            insertionOrder.Enqueue(key);
            if (Interlocked.Increment(ref count) > options.MaxEntries)
            {
                Sweep();
            }
        }
    }

    private TimeSpan TimeToLive(DnsAnswer answer)
    {
        if (answer.IsTemporaryFailure)
        {
            return options.TemporaryFailureTtl > TimeSpan.FromSeconds(5) ? TimeSpan.FromSeconds(5) : options.TemporaryFailureTtl;
        }

        if (answer.Records.Count == 0)
        {
            var negative = answer.NegativeTtl > TimeSpan.Zero ? answer.NegativeTtl : options.DefaultNegativeTtl;
            return negative > options.MaxNegativeTtl ? options.MaxNegativeTtl : negative;
        }

        var ttl = options.MaxTtl;
        foreach (var record in answer.Records)
        {
            if (record.Ttl < ttl)
            {
                ttl = record.Ttl;
            }
        }

        return ttl;
    }

    /// <summary>Removes expired entries; if still over the limit, the oldest-inserted ones (down to 90 %).</summary>
    private void Sweep()
    {
        if (!sweepLock.TryEnter())
        {
            return;
        }

        try
        {
            var now = time.GetUtcNow();
            foreach (var (key, entry) in entries)
            {
                if (entry.Expires <= now && entries.TryRemove(new KeyValuePair<DnsCacheKey, Entry>(key, entry)))
                {
                    Interlocked.Decrement(ref count);
                }
            }

            var target = options.MaxEntries - (options.MaxEntries / 10);
            while (Volatile.Read(ref count) > target && insertionOrder.TryDequeue(out var oldest))
            {
                if (entries.TryRemove(oldest, out _))
                {
                    Interlocked.Decrement(ref count);
                }
            }

            // Keys already gone from the dictionary may linger in the queue; rebuild it when it grows too long.
            if (insertionOrder.Count > 2 * Math.Max(options.MaxEntries, 16))
            {
                insertionOrder.Clear();
                foreach (var key in entries.Keys)
                {
                    insertionOrder.Enqueue(key);
                }
            }
        }
        finally
        {
            sweepLock.Exit();
        }
    }

    private sealed record Entry(DnsAnswer Answer, DateTimeOffset Expires);
}
