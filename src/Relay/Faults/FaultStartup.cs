using Microsoft.Extensions.Hosting;
using SmarthostLab.Relay.Hosting;
using SmarthostLab.Relay.Storage;

namespace SmarthostLab.Relay.Faults;

/// <summary>Applies the stored fault rule changes before Kestrel accepts (after the store opens: registered after it).</summary>
internal sealed class FaultStartup(MessageStore store, FaultInjector faults) : IHostedLifecycleService
{
    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        await StoreStartup.OpenAsync(store, cancellationToken).ConfigureAwait(false); // idempotent; opened already in the usual order
        await faults.LoadAsync(cancellationToken).ConfigureAwait(false);
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
