namespace SmarthostLab.Probe;

/// <summary>Where a probe run writes: the report to <see cref="Out"/>, problems to <see cref="Error"/>.</summary>
/// <param name="Out">Standard output.</param>
/// <param name="Error">Standard error.</param>
public sealed record ProbeConsole(TextWriter Out, TextWriter Error);
