using SmarthostLab.Relay.Hosting;

namespace SmarthostLab.Bench.Load;

/// <summary>
/// The relay started inside the bench process for <c>load --start-relay</c>: a fresh temporary data
/// folder, the lab configuration of <see cref="RelayLabConfig"/> (an account registering loopback,
/// durable store, full verification against a lab zone), SMTP on --target. Stopped and deleted when disposed.
/// </summary>
public sealed class InProcessRelay : IAsyncDisposable
{
    private readonly RunningRelay _relay;

    private InProcessRelay(RunningRelay relay, string folder)
    {
        _relay = relay;
        Folder = folder;
    }

    /// <summary>The relay's HTTP API.</summary>
    public Uri HttpBaseAddress => _relay.HttpBaseAddress;

    /// <summary>The temporary folder (store, certificate, zone, config).</summary>
    public string Folder { get; }

    /// <summary>Starts the relay; it accepts connections when this returns.</summary>
    /// <exception cref="RelayConfigurationException">The relay refused the generated configuration.</exception>
    public static async Task<InProcessRelay> StartAsync(LoadOptions options, BenchMessage message, CancellationToken cancellationToken)
    {
        var folder = Directory.CreateTempSubdirectory("smarthostlab-bench-").FullName;
        try
        {
            var args = RelayLabConfig.Write(folder, options, message);
            var relay = await RelayHost.StartAsync(args, cancellationToken: cancellationToken).ConfigureAwait(false);
            return new InProcessRelay(relay, folder);
        }
        catch
        {
            Directory.Delete(folder, recursive: true);
            throw;
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _relay.DisposeAsync().ConfigureAwait(false);
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open: the temp folder is left for the system to clean.
        }
    }
}
