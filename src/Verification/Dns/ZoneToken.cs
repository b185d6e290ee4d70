namespace SmarthostLab.Verification.Dns;

/// <summary>One token of a zone file entry: a word or a quoted character-string with escapes decoded.</summary>
/// <param name="Text">The text; \DDD and \X escapes decoded, octets kept as Latin-1 chars.</param>
/// <param name="Quoted">True when written in double quotes.</param>
internal readonly record struct ZoneToken(string Text, bool Quoted);
