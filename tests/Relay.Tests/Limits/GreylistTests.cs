using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using SmarthostLab.Relay.Configuration;
using SmarthostLab.Relay.Diagnostics;
using SmarthostLab.Relay.Limits;
using SmarthostLab.Relay.Storage;
using SmarthostLab.Relay.Tests.Infrastructure;
using SmarthostLab.Tests.Support;

namespace SmarthostLab.Relay.Tests.Limits;

/// <summary>Greylisting decisions with a fake clock over a real SQLite store: delay, window, lifetime, networks, restart.</summary>
public sealed class GreylistTests : IAsyncLifetime
{
    private static readonly IPAddress Client = IPAddress.Parse("192.0.2.10");
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.Parse("2026-12-06T12:00:00Z"));
    private readonly TempFolder _folder = new();
    private readonly TestMeterFactory _meters = new();
    private readonly List<SqliteMessageStore> _stores = [];
    private readonly GreylistingOptions _options = new()
    {
        Enabled = true, Delay = TimeSpan.FromMinutes(5), Window = TimeSpan.FromHours(4), Lifetime = TimeSpan.FromDays(30),
    };

    private async Task<(Greylist Greylist, SqliteMessageStore Store)> OpenAsync()
    {
        var store = new SqliteMessageStore(Options.Create(new StoreOptions { DataFolder = _folder.Path }), _clock, new RelayMetrics(_meters),
            NullLogger<SqliteMessageStore>.Instance);
        await store.OpenAsync();
        _stores.Add(store);
        var greylist = new Greylist(Options.Create(_options), store, _clock, new RelayMetrics(_meters), NullLogger<Greylist>.Instance);
        await greylist.LoadAsync(CancellationToken.None);
        return (greylist, store);
    }

    [Fact]
    public async Task A_new_triplet_waits_the_delay_then_passes_and_is_remembered()
    {
        var (greylist, _) = await OpenAsync();
        var first = greylist.Check(Client, "alice@contoso.test", "bob@example.com", out var outcome);
        Assert.Equal("451 4.7.1 greylisted: this sender, recipient and client network are new here, please try again in 300 s", first!.ToString());
        Assert.Equal("greylisted", outcome);

        _clock.Advance(TimeSpan.FromMinutes(2));
        var early = greylist.Check(Client, "alice@contoso.test", "bob@example.com", out outcome);
        Assert.Equal("451 4.7.1 greylisted: this sender, recipient and client network are new here, please try again in 180 s", early!.ToString());

        _clock.Advance(TimeSpan.FromMinutes(3));
        Assert.Null(greylist.Check(Client, "Alice@Contoso.test", "BOB@example.com", out outcome)); // case does not make a new triplet
        Assert.Equal("passed", outcome);
        _clock.Advance(TimeSpan.FromDays(20));
        Assert.Null(greylist.Check(Client, "alice@contoso.test", "bob@example.com", out outcome));
        Assert.Equal("known", outcome);

        // Another recipient, or another sender, is a new triplet.
        Assert.NotNull(greylist.Check(Client, "alice@contoso.test", "carol@example.com", out _));
        Assert.NotNull(greylist.Check(Client, "dave@contoso.test", "bob@example.com", out _));
    }

    [Fact]
    public async Task A_client_of_the_same_24_is_the_same_triplet_another_network_is_not()
    {
        var (greylist, _) = await OpenAsync();
        Assert.NotNull(greylist.Check(Client, "a@contoso.test", "b@example.com", out _));
        _clock.Advance(TimeSpan.FromMinutes(6));
        Assert.Null(greylist.Check(IPAddress.Parse("192.0.2.77"), "a@contoso.test", "b@example.com", out _));
        Assert.NotNull(greylist.Check(IPAddress.Parse("198.51.100.7"), "a@contoso.test", "b@example.com", out _));
    }

    [Fact]
    public async Task A_retry_after_the_window_starts_over_and_a_triplet_unseen_for_the_lifetime_is_forgotten()
    {
        var (greylist, _) = await OpenAsync();
        Assert.NotNull(greylist.Check(Client, "a@contoso.test", "b@example.com", out _));
        _clock.Advance(TimeSpan.FromHours(5)); // past the 4 h window
        Assert.NotNull(greylist.Check(Client, "a@contoso.test", "b@example.com", out var outcome));
        Assert.Equal("greylisted", outcome);
        _clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Null(greylist.Check(Client, "a@contoso.test", "b@example.com", out _));
        _clock.Advance(TimeSpan.FromDays(31));
        Assert.NotNull(greylist.Check(Client, "a@contoso.test", "b@example.com", out _));
    }

    [Fact]
    public async Task A_restart_keeps_both_the_pending_and_the_passed_triplets()
    {
        var (greylist, store) = await OpenAsync();
        Assert.NotNull(greylist.Check(Client, "a@contoso.test", "pending@example.com", out _));
        Assert.NotNull(greylist.Check(Client, "a@contoso.test", "passed@example.com", out _));
        _clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Null(greylist.Check(Client, "a@contoso.test", "passed@example.com", out _));
        await store.FlushAsync();
        await store.DisposeAsync();
        _stores.Remove(store);

        var (again, _) = await OpenAsync();
        Assert.Equal(2, again.Count);
        Assert.Null(again.Check(Client, "a@contoso.test", "passed@example.com", out var outcome));
        Assert.Equal("known", outcome);
        Assert.Null(again.Check(Client, "a@contoso.test", "pending@example.com", out outcome)); // its delay ran before the restart
        Assert.Equal("passed", outcome);
    }

    [Fact]
    public async Task Past_MaxEntries_the_oldest_pending_triplets_are_forgotten_first()
    {
        _options.MaxEntries = 3;
        var (greylist, _) = await OpenAsync();
        Assert.NotNull(greylist.Check(Client, "a@contoso.test", "kept@example.com", out _));
        _clock.Advance(TimeSpan.FromMinutes(5));
        Assert.Null(greylist.Check(Client, "a@contoso.test", "kept@example.com", out _)); // passed: never evicted for room
        for (var i = 0; i < 10; i++)
        {
            _clock.Advance(TimeSpan.FromSeconds(1));
            Assert.NotNull(greylist.Check(Client, "a@contoso.test", $"r{i}@example.com", out _));
            Assert.True(greylist.Count <= 3, $"{greylist.Count} entries after {i + 1} new triplets");
        }
        Assert.Null(greylist.Check(Client, "a@contoso.test", "kept@example.com", out _));
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var store in _stores) await store.DisposeAsync();
        _meters.Dispose();
        _folder.Dispose();
    }
}
