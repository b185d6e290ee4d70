using System.Diagnostics;
using System.Net;
using SmarthostLab.Verification.Dns;
using SmarthostLab.Verification.Spf;
using SmarthostLab.Verification.Tests.Dns;
using Xunit.Abstractions;

namespace SmarthostLab.Verification.Tests.Spf;

/// <summary>A warm-cache check must stay cheap: it is on every message's path (BenchmarkDotNet measures it properly in src/Bench).</summary>
public sealed class SpfWarmCacheTests(ITestOutputHelper output)
{
    [Fact]
    public async Task A_warm_cache_check_allocates_little_and_takes_microseconds()
    {
        var inner = new InMemoryDnsResolver()
            .AddTxt("contoso.test", "v=spf1 ip4:192.0.2.0/24 mx include:_spf.smarthost.test -all")
            .AddMx("contoso.test", 10, "mail.contoso.test")
            .AddA("mail.contoso.test", "192.0.2.200")
            .AddTxt("_spf.smarthost.test", "v=spf1 ip4:203.0.113.0/24 ip4:198.51.100.0/24 ~all");
        var spf = new SpfEvaluator(new CachingDnsResolver(inner));
        var ip = IPAddress.Parse("198.51.100.25");
        for (var i = 0; i < 1000; i++)
        {
            await spf.CheckMailFromAsync(ip, "alice@contoso.test", "smarthost.test");
        }

        const int Rounds = 20_000;
        var before = GC.GetAllocatedBytesForCurrentThread();
        var watch = Stopwatch.StartNew();
        for (var i = 0; i < Rounds; i++)
        {
            var task = spf.CheckMailFromAsync(ip, "alice@contoso.test", "smarthost.test");
            Assert.True(task.IsCompletedSuccessfully);
            Assert.Equal(SpfResult.Pass, (await task).Result);
        }

        watch.Stop();
        var bytes = (GC.GetAllocatedBytesForCurrentThread() - before) / Rounds;
        var micros = watch.Elapsed.TotalMicroseconds / Rounds;
        output.WriteLine($"warm-cache SPF check (ip4, mx, include): {micros:F2} µs, {bytes} bytes allocated per check");
#if DEBUG
        // Debug builds allocate every async state machine; the Release figure is about 0.9 KB.
        Assert.InRange(bytes, 0, 8192);
#else
        Assert.InRange(bytes, 0, 1536);
#endif

        // Timing is reported, not asserted: test machines are shared and noisy.
        Assert.True(micros > 0);
    }
}
