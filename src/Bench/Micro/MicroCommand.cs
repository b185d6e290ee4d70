using System.CommandLine;
using BenchmarkDotNet.Running;
using SmarthostLab.Bench.Cli;

namespace SmarthostLab.Bench.Micro;

/// <summary>The <c>micro</c> command: BenchmarkDotNet over this assembly, its arguments passed through.</summary>
public static class MicroCommand
{
    /// <summary>Builds the command: <c>--smoke</c> is the bench's own; every other argument goes to BenchmarkDotNet.</summary>
    public static Command Build()
    {
        var smoke = new Option<bool>("--smoke") { Description = "Run each benchmark once: checks that they work, measures nothing." };
        var command = new Command("micro",
            "BenchmarkDotNet micro-benchmarks of this assembly; every argument but --smoke goes to BenchmarkDotNet, e.g. " +
            "micro --filter '*Spf*' (all: --filter '*'; BenchmarkDotNet asks when no filter is given). " +
            "BenchmarkDotNet's own options: micro -- --help.\n" +
            "Exit codes: 0 done, 1 a benchmark failed validation.")
        {
            smoke,
        };
        command.TreatUnmatchedTokensAsErrors = false;
        command.SetAction(parse => Run([.. parse.UnmatchedTokens], parse.GetValue(smoke)));
        return command;
    }

    /// <summary>Runs the selected benchmarks; <paramref name="smoke"/> runs each once.</summary>
    public static int Run(string[] benchmarkDotNetArgs, bool smoke)
    {
        var summaries = BenchmarkSwitcher.FromAssembly(typeof(MicroCommand).Assembly)
            .Run(benchmarkDotNetArgs, BenchConfig.Create(smoke));
        return summaries.Any(s => s.HasCriticalValidationErrors) ? 1 : 0;
    }
}
