using System.Text.Json;
using SmarthostLab.Bench.Cli;

namespace SmarthostLab.Bench.Tests;

/// <summary>One in-process run of <c>smarthostlab-bench ARGS</c>: exit code, stdout, stderr.</summary>
internal sealed record BenchRun(int ExitCode, string Output, string Error)
{
    /// <summary>Runs the bench with <paramref name="args"/> as the program would.</summary>
    public static async Task<BenchRun> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await BenchApp.RunAsync(args, output, error);
        return new BenchRun(exit, output.ToString(), error.ToString());
    }

    /// <summary>stdout as JSON (fails the test with both streams when it is not).</summary>
    public JsonDocument Json()
    {
        Assert.True(Output.TrimStart().StartsWith('{'), $"exit {ExitCode}, no JSON report. stdout: {Output}\nstderr: {Error}");
        return JsonDocument.Parse(Output);
    }
}
