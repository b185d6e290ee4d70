using BenchmarkDotNet.Running;

namespace SmarthostLab.Bench.Micro;

/// <summary>The <c>micro</c> command: BenchmarkDotNet over this assembly, arguments passed through.</summary>
public static class MicroCommand
{
    /// <summary>Runs the selected benchmarks (all with <c>--filter '*'</c>); BenchmarkDotNet asks when no filter is given.</summary>
    public static int Run(string[] args)
    {
        var summaries = BenchmarkSwitcher.FromAssembly(typeof(MicroCommand).Assembly).Run(args, BenchConfig.Create());
        return summaries.Any(s => s.HasCriticalValidationErrors) ? 1 : 0;
    }
}
