using System.Text.Json;
using System.Text.Json.Serialization;

namespace SmarthostLab.Probe.Reporting;

/// <summary>Writes a report as camelCase JSON (the shape <c>--json</c> promises).</summary>
public static class JsonReportWriter
{
    /// <summary>Serializer options shared by every probe JSON output.</summary>
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    /// <summary>Writes <paramref name="report"/> to <paramref name="output"/>.</summary>
    public static void Write(ProbeReport report, TextWriter output)
    {
        output.WriteLine(JsonSerializer.Serialize(report, Options));
    }
}
