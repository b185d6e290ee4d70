using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace SmarthostLab.Bench.Load;

/// <summary>
/// The relay run by the soak as a child process (<c>dotnet smarthostlab-relay.dll …</c>): started, waited for
/// until its SMTP port accepts connections, stopped with SIGTERM (SIGKILL after <see cref="StopTimeout"/>) or
/// killed. Its output is drained so it never blocks on a full pipe; the lines are counted (the log volume a run
/// caused) and the first <see cref="EchoedLines"/> of stderr are echoed with a <c>relay:</c> prefix.
/// </summary>
public sealed class RelayChildProcess : IDisposable
{
    /// <summary>Longest wait for the relay to listen.</summary>
    public static readonly TimeSpan StartTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Longest wait for the relay to exit after SIGTERM, and again after SIGKILL.</summary>
    public static readonly TimeSpan StopTimeout = TimeSpan.FromSeconds(15);

    private readonly int _echoLimit;
    private long _lines;
    private long _chars;
    private int _echoed;

    private RelayChildProcess(Process process, TextWriter echo, int echoLimit)
    {
        Process = process;
        Echo = echo;
        _echoLimit = echoLimit;
    }

    /// <summary>Stderr lines echoed before the rest are only counted; unlimited when started with a negative limit.</summary>
    public const int EchoedLines = 20;

    /// <summary>The process.</summary>
    public Process Process { get; }

    private TextWriter Echo { get; }

    /// <summary>Lines the relay wrote to stdout and stderr so far.</summary>
    public long LogLines => Interlocked.Read(ref _lines);

    /// <summary>Characters (newlines included) the relay wrote to stdout and stderr so far.</summary>
    public long LogChars => Interlocked.Read(ref _chars);

    /// <summary>Starts <c>dotnet <paramref name="dll"/> <paramref name="args"/></c>.</summary>
    /// <param name="dll">The relay's smarthostlab-relay.dll.</param>
    /// <param name="args">The relay's arguments.</param>
    /// <param name="echo">Where the relay's stderr lines are echoed.</param>
    /// <param name="echoLimit">Stderr lines echoed; negative: all of them.</param>
    /// <exception cref="InvalidOperationException">The process could not be started.</exception>
    public static RelayChildProcess Start(string dll, IReadOnlyList<string> args, TextWriter echo, int echoLimit = -1)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        info.ArgumentList.Add(dll);
        foreach (var arg in args) info.ArgumentList.Add(arg);
        var process = Process.Start(info) ?? throw new InvalidOperationException("could not start the relay");
        var relay = new RelayChildProcess(process, echo, echoLimit);
        process.OutputDataReceived += (_, e) => relay.Count(e.Data, echoIt: false);
        process.ErrorDataReceived += (_, e) => relay.Count(e.Data, echoIt: true);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return relay;
    }

    private void Count(string? line, bool echoIt)
    {
        if (line is null) return;
        Interlocked.Increment(ref _lines);
        Interlocked.Add(ref _chars, line.Length + 1);
        if (echoIt && (_echoLimit < 0 || Interlocked.Increment(ref _echoed) <= _echoLimit))
        {
            lock (Echo) Echo.WriteLine($"relay: {line}");
        }
    }

    /// <summary>Waits (at most <see cref="StartTimeout"/>) until the relay accepts SMTP connections on <paramref name="smtp"/>.</summary>
    /// <exception cref="InvalidOperationException">The relay exited first.</exception>
    /// <exception cref="TimeoutException">It did not listen in time.</exception>
    public async Task WaitForPortAsync(IPEndPoint smtp)
    {
        var deadline = Stopwatch.GetTimestamp() + (long)(StartTimeout.TotalSeconds * Stopwatch.Frequency);
        while (Stopwatch.GetTimestamp() < deadline)
        {
            if (Process.HasExited) throw new InvalidOperationException($"the relay exited with code {Process.ExitCode} before listening");
            using var socket = new Socket(smtp.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
            using var attempt = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            try
            {
                await socket.ConnectAsync(smtp, attempt.Token).ConfigureAwait(false);
                return;
            }
            catch (Exception e) when (e is SocketException or OperationCanceledException)
            {
                await Task.Delay(100).ConfigureAwait(false);
            }
        }
        throw new TimeoutException($"the relay did not listen on {smtp} within {StartTimeout.TotalSeconds} s");
    }

    /// <summary>SIGKILL (the whole process tree), then waits for the exit (at most <see cref="StopTimeout"/>).</summary>
    public async Task KillAsync()
    {
        if (!Process.HasExited) Process.Kill(entireProcessTree: true);
        await Process.WaitForExitAsync().WaitAsync(StopTimeout).ConfigureAwait(false);
    }

    /// <summary>SIGTERM, then waits (at most <paramref name="wait"/>, default <see cref="StopTimeout"/>), then SIGKILL.</summary>
    /// <returns>Time from SIGTERM to the exit, and whether SIGKILL was needed.</returns>
    public async Task<(TimeSpan Elapsed, bool Killed)> StopAsync(TimeSpan? wait = null)
    {
        var started = Stopwatch.GetTimestamp();
        var term = new ProcessStartInfo("kill") { UseShellExecute = false };
        term.ArgumentList.Add("-TERM");
        term.ArgumentList.Add(Process.Id.ToString(CultureInfo.InvariantCulture));
        using (var kill = Process.Start(term))
        {
            if (kill is not null) await kill.WaitForExitAsync().WaitAsync(StopTimeout).ConfigureAwait(false);
        }
        try
        {
            await Process.WaitForExitAsync().WaitAsync(wait ?? StopTimeout).ConfigureAwait(false);
            return (Stopwatch.GetElapsedTime(started), false);
        }
        catch (TimeoutException)
        {
            await KillAsync().ConfigureAwait(false);
            return (Stopwatch.GetElapsedTime(started), true);
        }
    }

    /// <summary>Best effort at the end of a run: kills a relay still running, waits a little, never throws for it.</summary>
    public async Task EnsureStoppedAsync()
    {
        try
        {
            await KillAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (e is InvalidOperationException or TimeoutException or System.ComponentModel.Win32Exception)
        {
            // Best effort: the run is over.
        }
    }

    /// <summary>The end of a soak run: kills a relay still running, disposes it, deletes the run's temp folder (a failure is said on <paramref name="error"/>).</summary>
    public static async Task CleanUpAsync(RelayChildProcess? relay, string folder, TextWriter error)
    {
        if (relay is not null)
        {
            await relay.EnsureStoppedAsync().ConfigureAwait(false);
            relay.Dispose();
        }
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException e)
        {
            await error.WriteLineAsync($"soak: could not delete {folder}: {e.Message}").ConfigureAwait(false);
        }
    }

    /// <summary>A free loopback port: bind 127.0.0.1:0, read the port, close.</summary>
    public static int FreePort()
    {
        using var listener = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        listener.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        return ((IPEndPoint)listener.LocalEndPoint!).Port;
    }

    /// <inheritdoc />
    public void Dispose() => Process.Dispose();
}
