namespace SmarthostLab.Smtp.Protocol;

/// <summary>
/// One SMTP reply (RFC 5321 4.2) with its enhanced status code (RFC 3463/RFC 2034).
/// <paramref name="Text"/> may contain '\n' for a multi-line reply; each line is written as
/// <c>code-enh text</c> except the last (<c>code enh text</c>).
/// </summary>
/// <param name="Code">Three-digit basic reply code, e.g. 250.</param>
/// <param name="EnhancedCode">RFC 3463 enhanced status code without the class prefix check, e.g. "2.0.0"; empty for the greeting and replies where RFC 2034 says none (220, 221 carry one too, but the greeting does not).</param>
/// <param name="Text">Human-readable text.</param>
public sealed record SmtpReply(int Code, string EnhancedCode, string Text)
{
    /// <summary>True for 2xx and 3xx replies.</summary>
    public bool IsPositive => Code < 400;

    /// <summary>True for 4xx replies.</summary>
    public bool IsTransient => Code is >= 400 and < 500;

    /// <summary>True for 5xx replies.</summary>
    public bool IsPermanent => Code >= 500;

    /// <summary>The reply's first line as it appears on the wire, without CRLF (used in logs and refusal records).</summary>
    public override string ToString()
    {
        var first = Text.Split('\n')[0];
        return EnhancedCode.Length == 0 ? $"{Code} {first}" : $"{Code} {EnhancedCode} {first}";
    }
}
