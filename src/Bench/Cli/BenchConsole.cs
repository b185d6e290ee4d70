namespace SmarthostLab.Bench.Cli;

/// <summary>Where a bench command writes: its report to <see cref="Out"/>, progress and problems to <see cref="Error"/>.</summary>
/// <param name="Out">Standard output.</param>
/// <param name="Error">Standard error.</param>
public sealed record BenchConsole(TextWriter Out, TextWriter Error);
