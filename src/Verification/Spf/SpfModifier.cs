namespace SmarthostLab.Verification.Spf;

/// <summary>One modifier of an SPF record (RFC 7208 4.6.1, 6): redirect, exp, or an unknown one (kept, ignored).</summary>
/// <param name="Name">Name as written.</param>
/// <param name="Value">The macro-string value.</param>
/// <param name="Text">The term as written.</param>
public sealed record SpfModifier(string Name, SpfMacroString Value, string Text);
