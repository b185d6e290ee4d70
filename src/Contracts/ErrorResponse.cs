namespace SmarthostLab.Contracts;

/// <summary><c>{"error":"…"}</c>: one line naming the problem.</summary>
/// <param name="Error">The problem.</param>
public sealed record ErrorResponse(string Error);
