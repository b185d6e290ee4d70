using BenchmarkDotNet.Running;

namespace SmarthostLab.Bench.Micro;

/// <summary>The <c>micro</c> command: BenchmarkDotNet over this assembly, arguments passed through.</summary>
public static class MicroCommand
{
    /// <summary>
    /// Runs the selected benchmarks (all with <c>--filter '*'</c>); BenchmarkDotNet asks when no filter is given.
    /// <c>--smoke</c> runs each benchmark once (checks that they work, measures nothing).
    /// </summary>
    public static int Run(string[] args)
    {
        var smoke = args.Contains("--smoke");
        var summaries = BenchmarkSwitcher.FromAssembly(typeof(MicroCommand).Assembly)
            .Run([.. args.Where(a => a != "--smoke")], BenchConfig.Create(smoke));
        return summaries.Any(s => s.HasCriticalValidationErrors) ? 1 : 0;
    }
}
