using System.Text.Json;

namespace SmarthostLab.Probe.Tests;

/// <summary>The outcome of one in-process probe run.</summary>
/// <param name="ExitCode">What the process would exit with.</param>
/// <param name="Out">Standard output.</param>
/// <param name="Error">Standard error.</param>
internal sealed record ProbeRun(int ExitCode, string Out, string Error)
{
    /// <summary>Runs the probe in-process through <see cref="ProbeApp.RunAsync"/>.</summary>
    public static async Task<ProbeRun> RunAsync(params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var code = await ProbeApp.RunAsync(args, output, error);
        return new ProbeRun(code, output.ToString(), error.ToString());
    }

    /// <summary>Parses <see cref="Out"/> as the JSON report.</summary>
    public JsonElement Json()
    {
        using var document = JsonDocument.Parse(Out);
        return document.RootElement.Clone();
    }

    /// <summary>(check, severity) pairs of the JSON report, in order.</summary>
    public List<(string Check, string Severity)> Findings()
        => Json().GetProperty("findings").EnumerateArray()
            .Select(f => (f.GetProperty("check").GetString()!, f.GetProperty("severity").GetString()!))
            .ToList();

    /// <summary>The severity of the first finding with <paramref name="check"/>, or null.</summary>
    public string? Severity(string check)
        => Findings().Where(f => f.Check == check).Select(f => f.Severity).FirstOrDefault();

    /// <summary>The message of the first finding with <paramref name="check"/>.</summary>
    public string Message(string check)
        => Json().GetProperty("findings").EnumerateArray().First(f => f.GetProperty("check").GetString() == check).GetProperty("message").GetString()!;
}
