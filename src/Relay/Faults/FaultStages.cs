using SmarthostLab.Smtp.Session;

namespace SmarthostLab.Relay.Faults;

/// <summary>The stage names of fault rules, their refusals and their metrics.</summary>
public static class FaultStages
{
    private static readonly string[] Names = ["connect", "helo", "starttls", "mail", "rcpt", "data", "bdat", "end-of-data"];

    /// <summary>Every stage name, in dialog order.</summary>
    public static string List => string.Join(", ", Names);

    /// <summary>The canonical name of <paramref name="stage"/>.</summary>
    public static string Name(SmtpStage stage) => Names[(int)stage];

    /// <summary>Parses a stage name: case, '-' and '_' ignored; "ehlo" is "helo".</summary>
    public static bool TryParse(string? text, out SmtpStage stage)
    {
        stage = default;
        if (string.IsNullOrWhiteSpace(text)) return false;
        var key = text.Trim().Replace("-", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal).ToLowerInvariant();
        if (key == "ehlo") key = "helo";
        for (var i = 0; i < Names.Length; i++)
        {
            if (Names[i].Replace("-", "", StringComparison.Ordinal) == key)
            {
                stage = (SmtpStage)i;
                return true;
            }
        }
        return false;
    }
}
