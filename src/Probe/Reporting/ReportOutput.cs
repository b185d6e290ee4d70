namespace SmarthostLab.Probe.Reporting;

/// <summary>Prints a report as text or JSON, writes JUnit when asked, and returns the exit code.</summary>
public static class ReportOutput
{
    /// <summary>Emits <paramref name="report"/> and returns its exit code (0 or 1).</summary>
    public static int Emit(ProbeReport report, ProbeConsole console, bool json, string? junitPath = null)
    {
        if (json)
        {
            JsonReportWriter.Write(report, console.Out);
        }
        else
        {
            TextReportWriter.Write(report, console.Out);
        }

        if (!string.IsNullOrEmpty(junitPath))
        {
            try
            {
                JUnitReportWriter.WriteFile(report, junitPath);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new ProbeException($"cannot write JUnit report {junitPath}: {ex.Message}", ex);
            }
        }

        return report.ExitCode;
    }
}
