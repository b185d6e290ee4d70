namespace SmarthostLab.Browser.Tests;

/// <summary>One <see cref="PageRelay"/> for a test class.</summary>
public sealed class PageRelayFixture : IAsyncLifetime
{
    private PageRelay? _relay;

    public PageRelay Relay => _relay ?? throw new InvalidOperationException("not started");

    public async Task InitializeAsync() => _relay = await PageRelay.StartAsync();

    public async Task DisposeAsync()
    {
        if (_relay is not null) await _relay.DisposeAsync();
    }
}
