namespace SmarthostLab.Fuzz;

/// <summary>One input, fed to one parser with its invariants checked; throws on any violation.</summary>
public delegate void FuzzAction(ReadOnlySpan<byte> input);

/// <summary>A named fuzz target: the folder names under fuzz/corpus and fuzz/regressions are these names.</summary>
/// <param name="Name">The command-line and folder name.</param>
/// <param name="Description">What it feeds and what it checks, in one line.</param>
/// <param name="Run">The target itself.</param>
public sealed record FuzzTarget(string Name, string Description, FuzzAction Run);
