using System.Diagnostics;
using System.Text;
using SmarthostLab.Tests.Support;

namespace SmarthostLab.Relay.Tests.Infrastructure;

/// <summary>
/// The relay executable (smarthostlab-relay.dll beside the tests) in a process of its own: SMTP and HTTP on
/// loopback port 0, a temp folder (or a given one, kept) as its data and working folder. Started, it has logged its
/// HTTP API line.
/// </summary>
public sealed class RelayProcess : IAsyncDisposable
{
    private static readonly TimeSpan LineLimit = TimeSpan.FromSeconds(60);
    private readonly TempFolder? _ownedFolder;
    private Task? _drain;

    private RelayProcess(TempFolder? ownedFolder, string dataFolder, Process process)
    {
        _ownedFolder = ownedFolder;
        DataFolder = dataFolder;
        Process = process;
        StandardError = process.StandardError.ReadToEndAsync();
    }

    public Process Process { get; }

    /// <summary>The relay's data and working folder.</summary>
    public string DataFolder { get; }

    /// <summary>Everything read from standard output so far (lock it while <see cref="DrainLog"/> runs, or use <see cref="LogTail"/>).</summary>
    public StringBuilder Log { get; } = new();

    /// <summary>Standard error, complete once the process has exited.</summary>
    public Task<string> StandardError { get; }

    /// <summary>The SMTP endpoint of the "SMTP listening on" line, "" until it was read.</summary>
    public string SmtpEndpoint { get; private set; } = "";

    /// <summary>The base address of the "HTTP API listening on" line (e.g. http://127.0.0.1:40123/); null until it was read.</summary>
    public Uri? HttpBaseAddress { get; private set; }

    /// <summary>Starts the executable with <paramref name="extra"/> arguments and reads its log up to the HTTP API line.</summary>
    public static Task<RelayProcess> StartAsync(params string[] extra) => StartInAsync(null, extra);

    /// <summary>
    /// Starts the executable on <paramref name="dataFolder"/> (kept on dispose, so a second process can start on it;
    /// a temp folder, deleted on dispose, when null) and reads its log up to the HTTP API line.
    /// </summary>
    public static async Task<RelayProcess> StartInAsync(string? dataFolder, params string[] extra)
    {
        var owned = dataFolder is null ? new TempFolder() : null;
        dataFolder ??= owned!.Path;
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = dataFolder };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "smarthostlab-relay.dll"), "--data", dataFolder, "--smtp", "127.0.0.1:0", "--http", "127.0.0.1:0" }.Concat(extra))
            start.ArgumentList.Add(arg);
        var relay = new RelayProcess(owned, dataFolder, Process.Start(start)!);
        try
        {
            if (await relay.ReadUntilAsync("HTTP API listening on") is null)
            {
                await relay.KillAsync();
                Assert.Fail($"the relay exited before it was ready:\n{relay.Log}{await relay.StandardError}");
            }
            return relay;
        }
        catch
        {
            await relay.DisposeAsync();
            throw;
        }
    }

    /// <summary>
    /// Runs the executable with exactly <paramref name="args"/> in <paramref name="workingDirectory"/> until it exits
    /// (a minute at most): for starts that must fail.
    /// </summary>
    public static async Task<(int ExitCode, string StandardError, string StandardOutput)> RunToExitAsync(string workingDirectory, params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = workingDirectory };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "smarthostlab-relay.dll"));
        foreach (var arg in args) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        using var limit = new CancellationTokenSource(LineLimit);
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            Assert.Fail($"the relay did not exit:\n{await stdout}{await stderr}");
        }
        return (process.ExitCode, await stderr, await stdout);
    }

    /// <summary>
    /// Reads the log a line at a time (each into <see cref="Log"/>) up to the first holding any of
    /// <paramref name="texts"/>, and returns it; null when the output ended first.
    /// </summary>
    public async Task<string?> ReadUntilAsync(params string[] texts)
    {
        if (_drain is not null) throw new InvalidOperationException("the log is being drained");
        string? line;
        while ((line = await Process.StandardOutput.ReadLineAsync().WaitAsync(LineLimit)) is not null)
        {
            Log.AppendLine(line);
            var at = line.IndexOf("SMTP listening on ", StringComparison.Ordinal);
            if (at >= 0) SmtpEndpoint = line[(at + 18)..];
            at = line.IndexOf("HTTP API listening on ", StringComparison.Ordinal);
            if (at >= 0) HttpBaseAddress = new Uri(line[(at + 22)..].Trim().TrimEnd('/') + "/");
            if (texts.Any(t => line.Contains(t, StringComparison.Ordinal))) return line;
        }
        return null;
    }

    /// <summary>
    /// Keeps reading the log into <see cref="Log"/> in the background, so that a relay that logs a lot never blocks on a
    /// full pipe. <see cref="ReadUntilAsync"/> cannot be used after it.
    /// </summary>
    public void DrainLog()
    {
        _drain ??= Task.Run(async () =>
        {
            string? line;
            while ((line = await Process.StandardOutput.ReadLineAsync()) is not null)
            {
                lock (Log) Log.AppendLine(line);
            }
        });
    }

    /// <summary>The last <paramref name="lines"/> lines of the log read so far, for a failing test's message.</summary>
    public string LogTail(int lines = 40)
    {
        string text;
        lock (Log) text = Log.ToString();
        var all = text.Split('\n');
        return string.Join('\n', all.Skip(Math.Max(0, all.Length - lines)));
    }

    /// <summary>Kills the process (SIGKILL, if still running) and adds the rest of its output to <see cref="Log"/>.</summary>
    public async Task KillAsync()
    {
        if (!Process.HasExited) Process.Kill();
        await Process.WaitForExitAsync();
        if (_drain is not null) await _drain;
        else Log.Append(await Process.StandardOutput.ReadToEndAsync());
    }

    public async ValueTask DisposeAsync()
    {
        if (!Process.HasExited) await KillAsync();
        Process.Dispose();
        _ownedFolder?.Dispose();
    }
}
