using BenchmarkDotNet.Columns;
using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Diagnosers;
using BenchmarkDotNet.Exporters;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Reports;

namespace SmarthostLab.Bench.Micro;

/// <summary>
/// The job every micro-benchmark runs with: few, short iterations, so that the whole suite ends in a
/// few minutes on a 2-core machine; memory diagnoser on; results as ratios to each class's baseline.
/// </summary>
public static class BenchConfig
{
    /// <summary>The shared configuration.</summary>
    public static IConfig Create() => ManualConfig.CreateEmpty()
        .AddJob(Job.Default
            .WithId("Short")
            .WithLaunchCount(1)
            .WithWarmupCount(2)
            .WithIterationCount(5)
            .WithIterationTime(Perfolizer.Horology.TimeInterval.FromMilliseconds(200)))
        .AddDiagnoser(MemoryDiagnoser.Default)
        .AddColumnProvider(DefaultColumnProviders.Instance)
        .AddColumn(BaselineRatioColumn.RatioMean)
        .AddLogger(BenchmarkDotNet.Loggers.ConsoleLogger.Default)
        .AddExporter(MarkdownExporter.GitHub)
        .WithSummaryStyle(SummaryStyle.Default.WithRatioStyle(RatioStyle.Trend))
        .WithOptions(ConfigOptions.JoinSummary);
}
