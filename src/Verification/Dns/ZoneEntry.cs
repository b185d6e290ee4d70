namespace SmarthostLab.Verification.Dns;

/// <summary>One logical entry of a zone file (parentheses joined), RFC 1035 5.1.</summary>
/// <param name="Line">1-based line where it starts.</param>
/// <param name="BlankOwner">The entry starts with white space: its owner is the previous one.</param>
/// <param name="Tokens">The tokens.</param>
internal sealed record ZoneEntry(int Line, bool BlankOwner, IReadOnlyList<ZoneToken> Tokens);
