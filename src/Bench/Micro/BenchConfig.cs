using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace SmarthostLab.Bench.Micro;

/// <summary>
/// The job every micro-benchmark runs with: few, short iterations, so that the whole suite ends in a
/// few minutes on a 2-core machine, run inside this process; results as ratios to each class's baseline ([MemoryDiagnoser] sits on each class).
/// </summary>
public static class BenchConfig
{
    /// <summary>The shared configuration; <paramref name="smoke"/>: one invocation each, to check that every benchmark runs.</summary>
    public static IConfig Create(bool smoke = false) => ManualConfig.CreateEmpty()
        .AddJob((smoke ? Job.Dry.WithId("Smoke") : Job.Default
            .WithId("Short")
            .WithLaunchCount(1)
            .WithWarmupCount(2)
            .WithIterationCount(5)
            .WithIterationTime(Perfolizer.Horology.TimeInterval.FromMilliseconds(200)))
            // In-process: no generated project to build per run (minutes saved on 2 cores), and no need
            // for BenchmarkDotNet to find a project named like the assembly (smarthostlab-bench).
            .WithToolchain(InProcessEmitToolchain.Instance))
        .AddColumnProvider(DefaultColumnProviders.Instance)
        .AddColumn(BaselineRatioColumn.RatioMean)
        .AddLogger(BenchmarkDotNet.Loggers.ConsoleLogger.Default)
        .AddExporter(MarkdownExporter.GitHub)
        .WithSummaryStyle(SummaryStyle.Default.WithRatioStyle(RatioStyle.Trend));
}
