using System.Text.Json.Serialization;

namespace SmarthostLab.Probe.Reporting;

/// <summary>The outcome of one probe command: what was checked and every finding, in order.</summary>
public sealed class ProbeReport
{
    /// <summary>Creates an empty report for <paramref name="command"/>.</summary>
    public ProbeReport(string command, string subject)
    {
        Command = command;
        Subject = subject;
    }

    /// <summary>The command that produced the report (<c>connector lint</c>, <c>dns</c>, <c>send</c>).</summary>
    public string Command { get; }

    /// <summary>What was checked (a file, a domain, a token).</summary>
    public string Subject { get; }

    /// <summary>When the report was started (UTC).</summary>
    public DateTimeOffset StartedAt { get; init; } = DateTimeOffset.UtcNow;

    /// <summary>Facts about the run that are not checks (token, endpoints, message id).</summary>
    public Dictionary<string, string> Facts { get; } = new(StringComparer.Ordinal);

    /// <summary>Findings in the order they were made.</summary>
    public List<Finding> Findings { get; } = [];

    /// <summary>"pass" when nothing failed, else "fail".</summary>
    public string Result => Failed ? "fail" : "pass";

    /// <summary>True when at least one finding failed.</summary>
    [JsonIgnore]
    public bool Failed => Findings.Exists(f => f.Severity == Severity.Fail);

    /// <summary>Process exit code for this report: 0 or 1.</summary>
    [JsonIgnore]
    public int ExitCode => Failed ? ExitCodes.Failed : ExitCodes.Pass;

    /// <summary>Adds a finding.</summary>
    public void Add(Finding finding) => Findings.Add(finding);
}
