namespace SmarthostLab.Bench.Load;

/// <summary>
/// The relay started inside the bench process for <c>load --start-relay</c>: a fresh temporary data
/// folder, an account registering the --bind address (or 127.0.0.1), the durable store and full
/// verification on, SMTP on --target. Deleted again when disposed.
/// </summary>
public sealed class InProcessRelay : IAsyncDisposable
{
    private InProcessRelay(string dataFolder) => DataFolder = dataFolder;

    /// <summary>The temporary data folder (store, certificate, zone).</summary>
    public string DataFolder { get; }

    /// <summary>Starts the relay and waits until it accepts connections.</summary>
    public static Task<InProcessRelay> StartAsync(LoadOptions options, BenchMessage message, CancellationToken cancellationToken)
    {
        // TODO(issue 5): call the relay's in-process starter (RelayHost.StartAsync) once src/Relay has it.
        _ = options;
        _ = message;
        _ = cancellationToken;
        var folder = Directory.CreateTempSubdirectory("smarthostlab-bench-").FullName;
        Directory.Delete(folder);
        throw new NotSupportedException("--start-relay: the relay has no in-process starter yet; start it with `dotnet run --project src/Relay` and load it with --target");
    }

    /// <inheritdoc />
    public ValueTask DisposeAsync()
    {
        try
        {
            if (Directory.Exists(DataFolder)) Directory.Delete(DataFolder, recursive: true);
        }
        catch (IOException)
        {
            // A file still held open: the temp folder is left for the system to clean.
        }
        return ValueTask.CompletedTask;
    }
}
