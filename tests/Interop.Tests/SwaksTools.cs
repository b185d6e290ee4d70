using System.Diagnostics;

namespace SmarthostLab.Interop.Tests;

/// <summary>swaks(1), the SMTP test tool, run against the relay (Debian's swaks package; .ci/install-postfix.sh installs it).</summary>
public static class SwaksTools
{
    /// <summary>Where Debian installs it.</summary>
    public const string Swaks = "/usr/bin/swaks";

    /// <summary>
    /// True when swaks is installed. Where CI set the interop tools up (SMARTHOSTLAB_POSTFIX=1) a missing swaks is not
    /// a reason to skip: the test runs and fails naming it.
    /// </summary>
    public static bool IsAvailable(out string reason)
    {
        reason = "";
        if (Environment.GetEnvironmentVariable("SMARTHOSTLAB_POSTFIX") == "1" || File.Exists(Swaks)) return true;
        reason = $"swaks is not installed ({Swaks} missing): run .ci/install-postfix.sh as root, or .ci/run";
        return false;
    }

    /// <summary>Runs swaks with <paramref name="arguments"/> (60 s at most); its exit code (0 sent, 28 AUTH failed, …) and its dialog.</summary>
    public static async Task<(int ExitCode, string Output)> RunAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo(Swaks) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start swaks");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill();
            throw new TimeoutException($"swaks did not end within 60 s:\n{await stdout}{await stderr}");
        }
        return (process.ExitCode, await stdout + await stderr);
    }
}

/// <summary>A fact that runs swaks; skipped with the reason where it is not installed (outside CI).</summary>
public sealed class SwaksFactAttribute : FactAttribute
{
    /// <summary>Marks the test skipped when swaks is missing.</summary>
    public SwaksFactAttribute()
    {
        if (!SwaksTools.IsAvailable(out var reason)) Skip = reason;
    }
}
