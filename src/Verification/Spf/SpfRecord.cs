namespace SmarthostLab.Verification.Spf;

/// <summary>
/// A parsed SPF record (RFC 7208 4.5, 4.6, 12 ABNF). Parsing is strict: any syntax error anywhere in
/// the record makes it unusable (permerror), unknown modifiers are kept and ignored.
/// </summary>
public sealed class SpfRecord
{
    internal SpfRecord(string text, IReadOnlyList<SpfMechanism> mechanisms, SpfModifier? redirect, SpfModifier? explanation, IReadOnlyList<SpfModifier> unknownModifiers)
    {
        Text = text;
        Mechanisms = mechanisms;
        Redirect = redirect;
        Explanation = explanation;
        UnknownModifiers = unknownModifiers;
        var count = redirect is null ? 0 : 1;
        foreach (var mechanism in mechanisms)
        {
            if (mechanism.QueriesDns)
            {
                count++;
            }

            if (mechanism.Kind == SpfMechanismKind.All)
            {
                HasAll = true;
            }
        }

        DnsLookupTerms = count;
    }

    /// <summary>The record text.</summary>
    public string Text { get; }

    /// <summary>Mechanisms in record order.</summary>
    public IReadOnlyList<SpfMechanism> Mechanisms { get; }

    /// <summary>The redirect= modifier (RFC 7208 6.1), if any.</summary>
    public SpfModifier? Redirect { get; }

    /// <summary>The exp= modifier (RFC 7208 6.2), if any.</summary>
    public SpfModifier? Explanation { get; }

    /// <summary>Unknown modifiers (RFC 7208 6: ignored).</summary>
    public IReadOnlyList<SpfModifier> UnknownModifiers { get; }

    /// <summary>True when the record has an "all" mechanism (redirect= is then never used).</summary>
    public bool HasAll { get; }

    /// <summary>Terms in this record alone that count against the 10 DNS-lookup limit (include a mx ptr exists redirect).</summary>
    public int DnsLookupTerms { get; }

    /// <summary>
    /// True when <paramref name="text"/> is an SPF version 1 record: "v=spf1" (any case) followed by
    /// a space or the end (RFC 7208 4.5).
    /// </summary>
    public static bool IsSpfRecord(string text)
        => text.Length >= 6 && text.AsSpan(0, 6).Equals("v=spf1", StringComparison.OrdinalIgnoreCase)
            && (text.Length == 6 || text[6] == ' ');

    /// <summary>Parses a record; <paramref name="error"/> names the first syntax error.</summary>
    public static bool TryParse(string text, out SpfRecord? record, out string? error)
        => SpfRecordParser.TryParse(text, out record, out error);

    /// <summary>Parses a record.</summary>
    /// <exception cref="FormatException">The record has a syntax error.</exception>
    public static SpfRecord Parse(string text)
        => TryParse(text, out var record, out var error) ? record! : throw new FormatException(error);

    /// <inheritdoc/>
    public override string ToString() => Text;
}
