using System.Text.Json;
using SmarthostLab.Bench.Cli;

namespace SmarthostLab.Bench.Tests;

/// <summary>One short attack run of <c>soak --mode …</c> against the relay beside the tests, its JSON report parsed.</summary>
internal sealed class AttackSoakRun : IDisposable
{
    private AttackSoakRun(int exitCode, JsonDocument report, string error)
    {
        ExitCode = exitCode;
        Report = report;
        Error = error;
    }

    /// <summary>The relay the soak starts: built with the bench, copied beside the tests.</summary>
    public static string RelayDll => Path.Combine(AppContext.BaseDirectory, "smarthostlab-relay.dll");

    /// <summary>The command's exit code.</summary>
    public int ExitCode { get; }

    /// <summary>The report.</summary>
    public JsonDocument Report { get; }

    /// <summary>What the command wrote to stderr (for the failure message).</summary>
    public string Error { get; }

    /// <summary>The report's root.</summary>
    public JsonElement Root => Report.RootElement;

    /// <summary>Runs <c>soak --mode <paramref name="mode"/> --relay-dll … --json</c> with <paramref name="args"/>.</summary>
    public static async Task<AttackSoakRun> RunAsync(string mode, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await BenchApp.RunAsync(["soak", "--mode", mode, "--relay-dll", RelayDll, "--json", .. args], output, error);
        var text = output.ToString();
        Assert.True(text.TrimStart().StartsWith('{'), $"exit {exit}, no JSON report. stdout: {text}\nstderr: {error}");
        return new AttackSoakRun(exit, JsonDocument.Parse(text), error.ToString());
    }

    /// <summary>The group of hostile connections named <paramref name="group"/>.</summary>
    public JsonElement Group(string group) =>
        Root.GetProperty("groups").EnumerateArray().SingleOrDefault(g => g.GetProperty("group").GetString() == group) is { ValueKind: JsonValueKind.Object } found
            ? found
            : throw new Xunit.Sdk.XunitException($"no group '{group}' in {Root.GetProperty("groups")}");

    /// <inheritdoc />
    public void Dispose() => Report.Dispose();
}
