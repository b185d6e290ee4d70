namespace SmarthostLab.Smtp.Protocol;

/// <summary>One ESMTP parameter of MAIL or RCPT (RFC 5321 4.1.2 <c>esmtp-param</c>).</summary>
/// <param name="Keyword">The esmtp-keyword, upper-cased.</param>
/// <param name="Value">The esmtp-value, or null when the parameter has none.</param>
public readonly record struct EsmtpParameter(string Keyword, string? Value)
{
    /// <summary>The parameter as on the command line: <c>KEYWORD=value</c>, or <c>KEYWORD</c> without a value.</summary>
    public override string ToString() => Value is null ? Keyword : $"{Keyword}={Value}";

    /// <summary>
    /// Parameters as one line, separated by single spaces in the order given (<c>Mail-parameters</c>,
    /// RFC 5321 4.1.2); null when there are none.
    /// </summary>
    public static string? Join(IReadOnlyList<EsmtpParameter> parameters)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        return parameters.Count == 0 ? null : string.Join(' ', parameters);
    }

    /// <summary>
    /// The inverse of <see cref="Join"/>: splits at spaces, then each parameter at its first '=' (an esmtp-value
    /// holds no '=' or space). Keywords are upper-cased; null or blank text gives no parameters.
    /// </summary>
    public static IReadOnlyList<EsmtpParameter> Split(string? text)
    {
        if (string.IsNullOrWhiteSpace(text)) return [];
        var words = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        var result = new EsmtpParameter[words.Length];
        for (var k = 0; k < words.Length; k++)
        {
            var eq = words[k].IndexOf('=');
            result[k] = eq < 0
                ? new EsmtpParameter(words[k].ToUpperInvariant(), null)
                : new EsmtpParameter(words[k][..eq].ToUpperInvariant(), words[k][(eq + 1)..]);
        }
        return result;
    }
}
