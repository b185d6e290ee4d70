using System.Text.Json.Serialization;

namespace SmarthostLab.Probe.Reporting;

/// <summary>How a finding affects the verdict; serialized as lower-case words.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<Severity>))]
public enum Severity
{
    /// <summary>The check passed.</summary>
    [JsonStringEnumMemberName("pass")] Pass,
    /// <summary>Worth a note; does not affect the exit code.</summary>
    [JsonStringEnumMemberName("info")] Info,
    /// <summary>Not what the guides ask for, but mail still flows; exit code stays 0.</summary>
    [JsonStringEnumMemberName("warn")] Warn,
    /// <summary>The check failed; exit code 1.</summary>
    [JsonStringEnumMemberName("fail")] Fail,
}
