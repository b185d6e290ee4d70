namespace SmarthostLab.Verification.Spf;

/// <summary>
/// One piece of a parsed macro-string (RFC 7208 7.1): literal text, or a macro letter with its
/// transformers and delimiters.
/// </summary>
/// <param name="Literal">Literal text (with %%, %_ and %- already decoded); null for a macro.</param>
/// <param name="Letter">The macro letter, lower case (s l o d i p h c r t v).</param>
/// <param name="Digits">Number of right-hand parts to keep; 0 = all.</param>
/// <param name="Reverse">The "r" transformer.</param>
/// <param name="Delimiters">Delimiters to split on; null = ".".</param>
/// <param name="UrlEscape">The letter was upper case: URL-escape the result (RFC 7208 7.3).</param>
internal readonly record struct SpfMacroSegment(
    string? Literal,
    char Letter = '\0',
    int Digits = 0,
    bool Reverse = false,
    string? Delimiters = null,
    bool UrlEscape = false);
