using System.Globalization;
using System.Text.Json;
using SmarthostLab.Bench.Cli;

namespace SmarthostLab.Bench.Report;

/// <summary>
/// The figures of one <c>load --json</c> report that the HTML report shows: its series (the run's <c>label</c>, else
/// the file's name), its case (message size and connections, and the rate in open loop), throughput and latency.
/// </summary>
/// <param name="Series">What was loaded: sink, smtpd, relay, … (one colour in the charts).</param>
/// <param name="Case">The load's shape, e.g. "1k x 16 conn" (one group in the charts).</param>
/// <param name="MessagesPerSecond">Accepted messages per second.</param>
/// <param name="DeliveredPerSecond">End to end (accepted and delivered onward) per second, when measured.</param>
/// <param name="Latency">p50, p90, p99, p99.9 (null in reports older than it) and max in milliseconds.</param>
/// <param name="LatencyFrom">end-of-data (closed loop) or due-time (open loop).</param>
/// <param name="Accepted">Messages accepted.</param>
/// <param name="Refused">Messages refused.</param>
/// <param name="Errors">Errors.</param>
/// <param name="Late">Open loop: messages that could not start on time; null in closed loop.</param>
/// <param name="Runs">Reports merged into these figures (their medians; counts are summed).</param>
public sealed record RunFigures(
    string Series, string Case, double MessagesPerSecond, double? DeliveredPerSecond, IReadOnlyList<double?> Latency, string LatencyFrom,
    long Accepted, long Refused, long Errors, long? Late, int Runs)
{
    /// <summary>The names of the latency percentiles, in the order of <see cref="Latency"/>.</summary>
    public static IReadOnlyList<string> PercentileNames { get; } = ["p50", "p90", "p99", "p99.9", "max"];

    private static readonly string[] PercentileFields = ["p50", "p90", "p99", "p999", "max"];

    /// <summary>Reads one load report.</summary>
    /// <exception cref="UsageException">The file is not a load report (names the file and what is missing).</exception>
    public static RunFigures Read(string path, string json)
    {
        try
        {
            using var doc = JsonDocument.Parse(json);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("messagesPerSecond", out var rate) || !root.TryGetProperty("latencyMs", out var latency))
                throw new UsageException($"{path}: not a load --json report (no messagesPerSecond or latencyMs)");
            var series = root.TryGetProperty("label", out var label) && label.ValueKind == JsonValueKind.String && label.GetString() is { Length: > 0 } name
                ? name
                : Path.GetFileNameWithoutExtension(path);
            var octets = root.TryGetProperty("messageOctets", out var o) ? o.GetInt64() : 0;
            var connections = root.TryGetProperty("connections", out var c) ? c.GetInt32() : 0;
            var openLoop = root.TryGetProperty("openLoop", out var open) && open.ValueKind == JsonValueKind.Object ? open : (JsonElement?)null;
            var shape = string.Create(CultureInfo.InvariantCulture, $"{Size(octets)} x {connections} conn");
            if (openLoop is { } ol) shape += string.Create(CultureInfo.InvariantCulture, $" at {ol.GetProperty("rate").GetInt32()}/s");
            return new RunFigures(
                series,
                shape,
                rate.GetDouble(),
                root.TryGetProperty("deliveredPerSecond", out var delivered) && delivered.ValueKind == JsonValueKind.Number ? delivered.GetDouble() : null,
                [.. PercentileFields.Select(f => latency.TryGetProperty(f, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : (double?)null)],
                root.TryGetProperty("latencyFrom", out var from) ? from.GetString() ?? "end-of-data" : "end-of-data",
                Long(root, "accepted"),
                Long(root, "refused"),
                Long(root, "errors"),
                openLoop is { } l ? l.GetProperty("late").GetInt64() : null,
                1);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or KeyNotFoundException or FormatException)
        {
            throw new UsageException($"{path}: not a load --json report ({e.Message})", e);
        }
    }

    /// <summary>One figure per series and case: the median of the rounds' rates and percentiles, the sum of their counts.</summary>
    public static IReadOnlyList<RunFigures> Merge(IEnumerable<RunFigures> runs) =>
        [.. runs.GroupBy(r => (r.Series, r.Case)).Select(g => g.Count() == 1 ? g.First() : new RunFigures(
            g.Key.Series, g.Key.Case,
            Median(g.Select(r => (double?)r.MessagesPerSecond)) ?? 0,
            Median(g.Select(r => r.DeliveredPerSecond)),
            [.. Enumerable.Range(0, PercentileFields.Length).Select(i => Median(g.Select(r => r.Latency[i])))],
            g.First().LatencyFrom,
            g.Sum(r => r.Accepted), g.Sum(r => r.Refused), g.Sum(r => r.Errors),
            g.Any(r => r.Late is not null) ? g.Sum(r => r.Late ?? 0) : null,
            g.Sum(r => r.Runs)))];

    /// <summary>1k, 32k, 1m, or octets.</summary>
    public static string Size(long octets) => octets switch
    {
        >= 1024 * 1024 when octets % (1024 * 1024) < 64 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{octets / (1024 * 1024)}m"),
        >= 1024 => string.Create(CultureInfo.InvariantCulture, $"{Math.Round(octets / 1024.0)}k"),
        _ => octets.ToString(CultureInfo.InvariantCulture),
    };

    private static long Long(JsonElement root, string name) => root.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetInt64() : 0;

    private static double? Median(IEnumerable<double?> values)
    {
        var sorted = values.Where(v => v is not null).Select(v => v!.Value).Order().ToArray();
        if (sorted.Length == 0) return null;
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
