using SmarthostLab.Verification.Dns;

namespace SmarthostLab.Verification.Tests.Dns;

public sealed class CachingDnsResolverTests
{
    private readonly ManualTimeProvider clock = new();

    private static InMemoryDnsResolver Records() => new InMemoryDnsResolver()
        .Add(new DnsRecord("short.test", DnsRecordType.A, TimeSpan.FromSeconds(30), Address: System.Net.IPAddress.Parse("192.0.2.1")))
        .Add(new DnsRecord("short.test", DnsRecordType.A, TimeSpan.FromSeconds(10), Address: System.Net.IPAddress.Parse("192.0.2.2")));

    [Fact]
    public async Task A_positive_answer_is_kept_for_its_smallest_record_ttl()
    {
        var inner = Records();
        var cache = new CachingDnsResolver(inner, timeProvider: clock);

        await cache.QueryAsync("short.test", DnsRecordType.A);
        clock.Advance(TimeSpan.FromSeconds(9));
        var hit = await cache.QueryAsync("SHORT.test.", DnsRecordType.A);
        Assert.Equal(2, hit.Records.Count);
        Assert.Equal(1, inner.Queries);

        clock.Advance(TimeSpan.FromSeconds(2));
        await cache.QueryAsync("short.test", DnsRecordType.A);
        Assert.Equal(2, inner.Queries);
        Assert.Equal(1, cache.Hits);
    }

    [Fact]
    public async Task A_negative_answer_is_kept_for_its_negative_ttl()
    {
        var inner = new NegativeResolver(TimeSpan.FromSeconds(20));
        var cache = new CachingDnsResolver(inner, timeProvider: clock);

        Assert.Equal(DnsStatus.NxDomain, (await cache.QueryAsync("gone.test", DnsRecordType.TXT)).Status);
        clock.Advance(TimeSpan.FromSeconds(19));
        Assert.Equal(DnsStatus.NxDomain, (await cache.QueryAsync("gone.test", DnsRecordType.TXT)).Status);
        Assert.Equal(1, inner.Calls);
        clock.Advance(TimeSpan.FromSeconds(2));
        await cache.QueryAsync("gone.test", DnsRecordType.TXT);
        Assert.Equal(2, inner.Calls);
    }

    [Fact]
    public async Task A_negative_answer_without_a_ttl_uses_the_default()
    {
        var inner = new NegativeResolver(TimeSpan.Zero);
        var cache = new CachingDnsResolver(inner, new DnsCacheOptions { DefaultNegativeTtl = TimeSpan.FromSeconds(60) }, clock);

        await cache.QueryAsync("gone.test", DnsRecordType.TXT);
        clock.Advance(TimeSpan.FromSeconds(59));
        await cache.QueryAsync("gone.test", DnsRecordType.TXT);
        Assert.Equal(1, inner.Calls);
        clock.Advance(TimeSpan.FromSeconds(2));
        await cache.QueryAsync("gone.test", DnsRecordType.TXT);
        Assert.Equal(2, inner.Calls);
    }

    [Fact]
    public async Task Temporary_failures_are_kept_only_seconds()
    {
        var inner = new CountingResolver(FailingDnsResolver.TimingOut());
        var cache = new CachingDnsResolver(inner, new DnsCacheOptions { TemporaryFailureTtl = TimeSpan.FromMinutes(10) }, clock);

        Assert.Equal(DnsStatus.Timeout, (await cache.QueryAsync("slow.test", DnsRecordType.TXT)).Status);
        await cache.QueryAsync("slow.test", DnsRecordType.TXT);
        Assert.Equal(1, inner.Calls);
        clock.Advance(TimeSpan.FromSeconds(6));
        await cache.QueryAsync("slow.test", DnsRecordType.TXT);
        Assert.Equal(2, inner.Calls);
    }

    [Fact]
    public async Task Concurrent_identical_queries_share_one_lookup()
    {
        var gate = new TaskCompletionSource<DnsAnswer>(TaskCreationOptions.RunContinuationsAsynchronously);
        var inner = new GatedResolver(gate.Task);
        var cache = new CachingDnsResolver(inner, timeProvider: clock);

        var waiting = Enumerable.Range(0, 50).Select(_ => cache.QueryAsync("busy.test", DnsRecordType.TXT).AsTask()).ToArray();
        var other = cache.QueryAsync("other.test", DnsRecordType.TXT).AsTask();
        gate.SetResult(new DnsAnswer(DnsStatus.NoError, [new DnsRecord("busy.test", DnsRecordType.TXT, TimeSpan.FromMinutes(1), TextStrings: ["x"])]));
        var answers = await Task.WhenAll(waiting);
        await other;

        Assert.All(answers, a => Assert.Equal("x", a.Records[0].Text));
        Assert.Equal(2, inner.Calls);
    }

    [Fact]
    public async Task A_waiter_can_give_up_without_cancelling_the_shared_lookup()
    {
        var gate = new TaskCompletionSource<DnsAnswer>(TaskCreationOptions.RunContinuationsAsynchronously);
        var inner = new GatedResolver(gate.Task);
        var cache = new CachingDnsResolver(inner, timeProvider: clock);
        using var cts = new CancellationTokenSource();

        var impatient = cache.QueryAsync("busy.test", DnsRecordType.TXT, cts.Token).AsTask();
        var patient = cache.QueryAsync("busy.test", DnsRecordType.TXT).AsTask();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => impatient);
        gate.SetResult(DnsAnswer.NoData());
        Assert.Equal(DnsStatus.NoError, (await patient).Status);
        Assert.Equal(1, inner.Calls);
    }

    [Fact]
    public async Task The_cache_stays_within_its_size()
    {
        var inner = new NegativeResolver(TimeSpan.FromMinutes(5));
        var cache = new CachingDnsResolver(inner, new DnsCacheOptions { MaxEntries = 100 }, clock);
        for (var i = 0; i < 1000; i++)
        {
            await cache.QueryAsync($"n{i}.test", DnsRecordType.A);
        }

        Assert.InRange(cache.Count, 1, 100);
        await cache.QueryAsync("n999.test", DnsRecordType.A);
        Assert.Equal(1000, inner.Calls);
    }

    [Fact]
    public async Task A_zero_ttl_answer_is_not_cached()
    {
        var inner = new InMemoryDnsResolver().Add(new DnsRecord("zero.test", DnsRecordType.A, TimeSpan.Zero, Address: System.Net.IPAddress.Loopback));
        var cache = new CachingDnsResolver(inner, timeProvider: clock);
        await cache.QueryAsync("zero.test", DnsRecordType.A);
        await cache.QueryAsync("zero.test", DnsRecordType.A);
        Assert.Equal(2, inner.Queries);
    }

    private sealed class NegativeResolver(TimeSpan negativeTtl) : IDnsResolver
    {
        private int calls;

        public int Calls => Volatile.Read(ref calls);

        public ValueTask<DnsAnswer> QueryAsync(string name, DnsRecordType type, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref calls);
            return ValueTask.FromResult(DnsAnswer.NonExistent(negativeTtl));
        }
    }

    private sealed class CountingResolver(IDnsResolver inner) : IDnsResolver
    {
        private int calls;

        public int Calls => Volatile.Read(ref calls);

        public ValueTask<DnsAnswer> QueryAsync(string name, DnsRecordType type, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref calls);
            return inner.QueryAsync(name, type, cancellationToken);
        }
    }

    private sealed class GatedResolver(Task<DnsAnswer> gate) : IDnsResolver
    {
        private int calls;

        public int Calls => Volatile.Read(ref calls);

        public async ValueTask<DnsAnswer> QueryAsync(string name, DnsRecordType type, CancellationToken cancellationToken = default)
        {
            Interlocked.Increment(ref calls);
            return name == "busy.test" ? await gate : DnsAnswer.NoData();
        }
    }
}
