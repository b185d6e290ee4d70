using System.Net;
using Microsoft.AspNetCore.Builder;

namespace SmarthostLab.Relay.Hosting;

/// <summary>
/// A relay started in-process by <see cref="RelayHost.StartAsync(IReadOnlyList{string}, Action{WebApplicationBuilder}?, CancellationToken)"/>:
/// its bound endpoints (port 0 resolved), its services, and a graceful stop on dispose.
/// </summary>
public sealed class RunningRelay : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly RelayEndpoints _endpoints;
    private readonly DataFolder _dataFolder;
    private int _disposed;

    internal RunningRelay(WebApplication app, RelayEndpoints endpoints, DataFolder dataFolder)
    {
        _app = app;
        _endpoints = endpoints;
        _dataFolder = dataFolder;
    }

    /// <summary>The plain/STARTTLS SMTP endpoint as bound.</summary>
    public IPEndPoint SmtpEndPoint => _endpoints.Smtp ?? throw new InvalidOperationException("SMTP is not listening.");

    /// <summary>The implicit-TLS SMTP endpoint as bound, or null when not configured.</summary>
    public IPEndPoint? SmtpImplicitTlsEndPoint => _endpoints.SmtpImplicitTls;

    /// <summary>The HTTP API endpoint as bound.</summary>
    public IPEndPoint HttpEndPoint => _endpoints.Http ?? throw new InvalidOperationException("HTTP is not listening.");

    /// <summary>Base address of the HTTP API, e.g. http://127.0.0.1:8025/.</summary>
    public Uri HttpBaseAddress => new($"http://{HttpEndPoint}/");

    /// <summary>The host's services (IMessageStore, AccountRegistry, options…).</summary>
    public IServiceProvider Services => _app.Services;

    /// <summary>
    /// Stops gracefully (sessions in DATA finish, bounded by Host:ShutdownTimeout), flushes and closes the store, and
    /// releases the data folder's lock.
    /// </summary>
    public async Task StopAsync(CancellationToken cancellationToken = default)
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        try
        {
            await _app.StopAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            try
            {
                await _app.DisposeAsync().ConfigureAwait(false);
            }
            finally
            {
                // Only once the store is closed may another relay take the folder.
                _dataFolder.Dispose();
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await StopAsync().ConfigureAwait(false);
}
