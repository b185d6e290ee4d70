using System.CommandLine;
using BenchmarkDotNet.ConsoleArguments;
using BenchmarkDotNet.Loggers;
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
        command.SetAction(parse =>
        {
            string[] passed = [.. parse.UnmatchedTokens];
            // BenchmarkDotNet answers an unknown option with its help and no benchmark; the bench calls that bad usage.
            var log = new AccumulationLogger();
            if (!passed.Any(a => a is "--help" or "-h" or "--version") && !ConfigParser.Parse(passed, log).isSuccess)
                throw new UsageException($"BenchmarkDotNet refused the arguments: {Reason(log.GetLog())} (its options: micro -- --help)");
            return Run(passed, parse.GetValue(smoke));
        });
        return command;
    }

    /// <summary>BenchmarkDotNet's own error lines (after its "ERROR(S):" heading), without its help text.</summary>
    private static string Reason(string log)
    {
        var lines = log.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var errors = lines.SkipWhile(l => !l.StartsWith("ERROR", StringComparison.Ordinal)).Skip(1).TakeWhile(l => !l.StartsWith('-') && !l.StartsWith("USAGE", StringComparison.Ordinal)).Take(3).ToList();
        if (errors.Count == 0) errors = [.. lines.Where(l => l.Contains("unknown", StringComparison.OrdinalIgnoreCase) || l.Contains("invalid", StringComparison.OrdinalIgnoreCase)).Take(3)];
        return errors.Count > 0 ? string.Join(" ", errors) : "see above";
    }

    /// <summary>Runs the selected benchmarks; <paramref name="smoke"/> runs each once.</summary>
    public static int Run(string[] benchmarkDotNetArgs, bool smoke)
    {
        var summaries = BenchmarkSwitcher.FromAssembly(typeof(MicroCommand).Assembly)
            .Run(benchmarkDotNetArgs, BenchConfig.Create(smoke));
        return summaries.Any(s => s.HasCriticalValidationErrors) ? 1 : 0;
    }
}
