using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Hosting;
using SmarthostLab.Relay.Admission;
using SmarthostLab.Relay.Limits;
using SmarthostLab.Relay.Storage;

namespace SmarthostLab.Relay.Hosting;

/// <summary>
/// Opens the store and applies the stored account changes and greylisting triplets in <see cref="IHostedLifecycleService.StartingAsync"/>,
/// i.e. before Kestrel starts accepting. <see cref="RelayHost"/> opens the store before the host starts, so that a
/// store file that cannot be opened stops the start with one line naming the data folder and nothing else. The store is flushed when the service provider is disposed, after
/// Kestrel has drained its connections.
/// </summary>
internal sealed class StoreStartup(MessageStore store, AccountRegistry accounts, Greylist greylist) : IHostedLifecycleService
{
    public async Task StartingAsync(CancellationToken cancellationToken)
    {
        await OpenAsync(store, cancellationToken).ConfigureAwait(false);
        await accounts.LoadOverridesAsync(cancellationToken).ConfigureAwait(false);
        await greylist.LoadAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Opens the store (idempotent); a store file that cannot be opened or written is a data-folder problem, a PostgreSQL
    /// database that cannot be reached or used a Store:ConnectionString one.
    /// </summary>
    /// <exception cref="RelayStartException">The store cannot be opened or written.</exception>
    internal static async Task OpenAsync(MessageStore store, CancellationToken cancellationToken)
    {
        try
        {
            await store.OpenAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (store is SqliteMessageStore sqlite && exception is SqliteException or IOException or UnauthorizedAccessException)
        {
            var file = Path.GetFileName(sqlite.DatabasePath);
            var problem = exception is SqliteException { SqliteErrorCode: SQLitePCL.raw.SQLITE_READONLY } or UnauthorizedAccessException
                ? $"{file} is read-only ({DataFolder.Reason(exception)})"
                : $"cannot open {file} ({DataFolder.Reason(exception)})";
            throw DataFolder.Problem(Path.GetDirectoryName(sqlite.DatabasePath)!, problem, exception);
        }
        catch (Exception exception) when (exception is Npgsql.NpgsqlException or System.Net.Sockets.SocketException or TimeoutException or IOException)
        {
            throw new RelayStartException($"PostgreSQL store {store.Location} (Store:ConnectionString): cannot open it ({DataFolder.Reason(exception)})", exception);
        }
    }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StartedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppingAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
    public Task StoppedAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
