using System.Diagnostics.Metrics;
using System.Text;
using BenchmarkDotNet.Attributes;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using SmarthostLab.Bench.Load;
using SmarthostLab.Relay.Configuration;
using SmarthostLab.Relay.Diagnostics;
using SmarthostLab.Relay.Session;
using SmarthostLab.Relay.Storage;

namespace SmarthostLab.Bench.Store;

/// <summary>
/// The SQLite store's group commit (WAL, synchronous=FULL) in a temporary folder: 64 messages of 1 KB
/// made durable per operation, written by 1 writer one after another (one fsync each: the baseline),
/// or by 16 or 64 concurrent writers that share batches. The ratio is what group commit buys.
/// </summary>
[MemoryDiagnoser]
public class StoreBenchmarks
{
    private const int MessagesPerOperation = 64;
    private string _folder = "";
    private ServiceProvider _services = null!;
    private SqliteMessageStore _store = null!;
    private byte[] _raw = [];

    /// <summary>Opens a store in a fresh temporary folder.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _folder = Directory.CreateTempSubdirectory("smarthostlab-bench-store-").FullName;
        _services = new ServiceCollection().AddMetrics().BuildServiceProvider();
        var metrics = new RelayMetrics(_services.GetRequiredService<IMeterFactory>());
        _store = new SqliteMessageStore(Options.Create(new StoreOptions { DataFolder = _folder }), TimeProvider.System, metrics, NullLogger<SqliteMessageStore>.Instance);
        _store.OpenAsync().GetAwaiter().GetResult();
        _raw = BenchMessage.Create(1024, "contoso.test", signed: false).Raw;
    }

    /// <summary>Closes the store and deletes the folder.</summary>
    [GlobalCleanup]
    public void Cleanup()
    {
        _store.DisposeAsync().AsTask().GetAwaiter().GetResult();
        _services.Dispose();
        Directory.Delete(_folder, recursive: true);
    }

    /// <summary>One writer: each message waits for its own commit.</summary>
    [Benchmark(Baseline = true)]
    public Task OneWriter() => WriteAsync(1);

    /// <summary>16 concurrent writers, 4 messages each.</summary>
    [Benchmark]
    public Task SixteenWriters() => WriteAsync(16);

    /// <summary>64 concurrent writers, 1 message each.</summary>
    [Benchmark]
    public Task SixtyFourWriters() => WriteAsync(64);

    private Task WriteAsync(int writers) =>
        Task.WhenAll(Enumerable.Range(0, writers).Select(async _ =>
        {
            for (var i = 0; i < MessagesPerOperation / writers; i++)
                await _store.AddMessageAsync(NewMessage()).ConfigureAwait(false);
        }));

    private NewMessage NewMessage()
    {
        var now = DateTimeOffset.UtcNow;
        var metadata = new StoredMessage
        {
            Id = QueueId.New(now),
            Account = "bench",
            ClientIp = "127.0.0.2",
            Helo = "bench.smarthostlab.test",
            MailFrom = "bench@contoso.test",
            MailFromParameters = "SIZE=1024",
            Recipients = ["rcpt@example.com"],
            Size = _raw.Length,
            ReceivedAt = now,
            Subject = "SmarthostLab load test",
            MessageId = "<bench.1024@contoso.test>",
            From = "Bench Sender <bench@contoso.test>",
        };
        return new NewMessage(metadata, _raw, "C: MAIL FROM:<bench@contoso.test>\r\nS: 250 2.1.0 Sender OK\r\n", "Subject: SmarthostLab load test\nFrom: bench@contoso.test\n");
    }
}
