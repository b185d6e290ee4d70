namespace SmarthostLab.Smtp.Protocol;

/// <summary>One ESMTP parameter of MAIL or RCPT (RFC 5321 4.1.2 <c>esmtp-param</c>).</summary>
/// <param name="Keyword">The esmtp-keyword, upper-cased.</param>
/// <param name="Value">The esmtp-value, or null when the parameter has none.</param>
public readonly record struct EsmtpParameter(string Keyword, string? Value);
