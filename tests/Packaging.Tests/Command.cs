using System.Diagnostics;
using System.Text;

namespace SmarthostLab.Packaging.Tests;

/// <summary>What a finished command printed (standard output and error interleaved), its exit code and how long it took.</summary>
public sealed record CommandResult(string Line, int ExitCode, string Output, TimeSpan Elapsed)
{
    /// <summary>The last <paramref name="lines"/> lines of the output, for a failure's message.</summary>
    public string Tail(int lines = 60)
    {
        var all = Output.Split('\n');
        return string.Join('\n', all.Skip(Math.Max(0, all.Length - lines)));
    }

    /// <summary>The command line, its exit code and the output's tail.</summary>
    public override string ToString() => $"`{Line}` exited {ExitCode} after {Elapsed.TotalSeconds:0.0} s:\n{Tail()}";
}

/// <summary>
/// Runs the SDK and the packed programs as a user would, each bounded in time (killed with its child processes past
/// its limit), in an environment free of the test host's MSBuild variables, with no build server or MSBuild node left
/// running afterwards.
/// </summary>
internal static class Command
{
    /// <summary>The dotnet executable that runs these tests (its SDK is the one global.json chose), else dotnet on PATH.</summary>
    public static string Dotnet { get; } = FindDotnet();

    /// <summary>Runs <paramref name="file"/> to its exit.</summary>
    /// <exception cref="TimeoutException">It was still running after <paramref name="limit"/> (it was killed).</exception>
    public static async Task<CommandResult> RunAsync(string file, IEnumerable<string> arguments, string workingDirectory, TimeSpan limit,
        IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = Prepare(file, arguments, workingDirectory, environment);
        var output = new StringBuilder();
        using var process = new Process { StartInfo = start };
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);
        var started = Stopwatch.GetTimestamp();
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(limit);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            throw new TimeoutException($"`{LineOf(start)}` did not finish within {limit.TotalMinutes:0.#} min (killed):\n{Text(output)}");
        }
        // The exit event can come before the last output lines: WaitForExit() without a timeout drains them.
        process.WaitForExit();
        return new CommandResult(LineOf(start), process.ExitCode, Text(output), Stopwatch.GetElapsedTime(started));
    }

    /// <summary>Runs <c>dotnet</c> with <paramref name="arguments"/>.</summary>
    public static Task<CommandResult> DotnetAsync(IEnumerable<string> arguments, string workingDirectory, TimeSpan limit) =>
        RunAsync(Dotnet, arguments, workingDirectory, limit);

    /// <summary>A start of <paramref name="file"/> with redirected output and the cleaned environment.</summary>
    public static ProcessStartInfo Prepare(string file, IEnumerable<string> arguments, string workingDirectory, IReadOnlyDictionary<string, string>? environment = null)
    {
        var start = new ProcessStartInfo(file)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        // The test host runs under MSBuild's and VSTest's variables; a nested SDK command must not inherit them.
        foreach (var key in start.Environment.Keys.ToList())
        {
            if (key.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase) || key.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)
                || key.Equals("DOTNET_HOST_PATH", StringComparison.OrdinalIgnoreCase))
                start.Environment.Remove(key);
        }
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        // Nothing may outlive the test: no reused MSBuild nodes, no compiler server.
        start.Environment["MSBUILDDISABLENODEREUSE"] = "1";
        start.Environment["UseSharedCompilation"] = "false";
        if (environment is not null)
        {
            foreach (var (key, value) in environment) start.Environment[key] = value;
        }
        return start;
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null) return;
        lock (output) output.AppendLine(line);
    }

    private static string Text(StringBuilder output)
    {
        lock (output) return output.ToString();
    }

    private static string LineOf(ProcessStartInfo start) =>
        string.Join(' ', new[] { Path.GetFileName(start.FileName) }.Concat(start.ArgumentList.Select(a => a.Contains(' ', StringComparison.Ordinal) ? $"\"{a}\"" : a)));

    private static string FindDotnet()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host)) return host;
        if (Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet") return self;
        return "dotnet";
    }
}
