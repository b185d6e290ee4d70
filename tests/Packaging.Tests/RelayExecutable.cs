using System.Diagnostics;
using System.Text;

namespace SmarthostLab.Packaging.Tests;

/// <summary>
/// A relay executable as a user runs it (the installed tool's command, or the single-file publish), started with the
/// given arguments and read up to its "HTTP API listening on" line; stopped with SIGTERM like a service manager does.
/// </summary>
internal sealed class RelayExecutable : IAsyncDisposable
{
    private static readonly TimeSpan StartLimit = TimeSpan.FromSeconds(90);
    private static readonly TimeSpan StopLimit = TimeSpan.FromSeconds(30);
    private readonly Process _process;
    private readonly StringBuilder _log = new();
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private RelayExecutable(Process process) => _process = process;

    /// <summary>The SMTP endpoint the relay logged, e.g. 127.0.0.1:40123.</summary>
    public string SmtpEndpoint { get; private set; } = "";

    /// <summary>The HTTP API base address the relay logged, e.g. http://127.0.0.1:40124/.</summary>
    public Uri HttpBaseAddress { get; private set; } = null!;

    /// <summary>Everything the relay printed so far.</summary>
    public string Log
    {
        get
        {
            lock (_log) return _log.ToString();
        }
    }

    /// <summary>Starts <paramref name="file"/> in <paramref name="workingDirectory"/> and waits until its HTTP API listens.</summary>
    public static async Task<RelayExecutable> StartAsync(string file, string workingDirectory, IReadOnlyDictionary<string, string>? environment, params string[] arguments)
    {
        var process = new Process { StartInfo = Command.Prepare(file, arguments, workingDirectory, environment) };
        var relay = new RelayExecutable(process);
        process.OutputDataReceived += (_, e) => relay.Read(e.Data);
        process.ErrorDataReceived += (_, e) => relay.Read(e.Data);
        process.Exited += (_, _) => relay._listening.TrySetResult();
        process.EnableRaisingEvents = true;
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await relay._listening.Task.WaitAsync(StartLimit);
            if (relay.HttpBaseAddress is null) throw new InvalidOperationException($"the relay exited ({ExitCodeOf(process)}) before it listened:\n{relay.Log}");
            return relay;
        }
        catch (TimeoutException)
        {
            await relay.DisposeAsync();
            throw new TimeoutException($"the relay did not listen within {StartLimit.TotalSeconds} s:\n{relay.Log}");
        }
        catch
        {
            await relay.DisposeAsync();
            throw;
        }
    }

    /// <summary>Sends SIGTERM and returns the exit code; kills it if it has not exited in 30 s.</summary>
    public async Task<int> StopAsync()
    {
        if (!_process.HasExited)
        {
            using var kill = Process.Start(new ProcessStartInfo("kill") { ArgumentList = { "-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture) } })!;
            await kill.WaitForExitAsync();
        }
        using var limit = new CancellationTokenSource(StopLimit);
        try
        {
            await _process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
            throw new TimeoutException($"the relay did not exit within {StopLimit.TotalSeconds} s of SIGTERM:\n{Log}");
        }
        _process.WaitForExit();
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process.Dispose();
    }

    private void Read(string? line)
    {
        if (line is null) return;
        lock (_log) _log.AppendLine(line);
        var at = line.IndexOf("SMTP listening on ", StringComparison.Ordinal);
        if (at >= 0 && SmtpEndpoint.Length == 0) SmtpEndpoint = line[(at + 18)..].Trim();
        at = line.IndexOf("HTTP API listening on ", StringComparison.Ordinal);
        if (at >= 0)
        {
            HttpBaseAddress = new Uri(line[(at + 22)..].Trim().TrimEnd('/') + "/");
            _listening.TrySetResult();
        }
    }

    private static string ExitCodeOf(Process process) => process.HasExited ? $"exit code {process.ExitCode}" : "still running";
}
