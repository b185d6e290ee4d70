using Microsoft.Extensions.Hosting;
using SmarthostLab.Relay.Admission;
using SmarthostLab.Relay.Storage;

namespace SmarthostLab.Relay.Hosting;

/// <summary>
/// Opens the store and applies the stored account changes in <see cref="IHostedLifecycleService.StartingAsync"/>,
/// i.e. before Kestrel starts accepting. The store is flushed when the service provider is disposed, after
/// Kestrel has drained its connections.
/// </summary>
internal sealed class StoreStartup(SqliteMessageStore store, AccountRegistry accounts) : IHostedLifecycleService
{
    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        await store.OpenAsync(cancellationToken).ConfigureAwait(false);
        await accounts.LoadOverridesAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
