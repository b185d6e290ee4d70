using System.Globalization;

namespace SmarthostLab.Relay.Diagnostics;

/// <summary>
/// Reads the Prometheus text format of <c>GET /metrics</c> (samples only; comments skipped): what the bench, the tests and
/// a CI job need to check a counter without caring how the exporter spells an empty label set or orders labels.
/// </summary>
public static class PrometheusText
{
    /// <summary>One sample line.</summary>
    public sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

    /// <summary>Every sample of <paramref name="text"/>.</summary>
    public static IEnumerable<Sample> Parse(string text)
    {
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Length == 0 || line[0] == '#') continue;
            if (TryParse(line, out var sample)) yield return sample;
        }
    }

    /// <summary>
    /// The sum of the samples of <paramref name="name"/> whose labels include every one of <paramref name="labels"/>
    /// (e.g. all outcomes of a counter when none is given); 0 when there are none (a counter not yet incremented).
    /// </summary>
    public static double Sum(string text, string name, params (string Name, string Value)[] labels) =>
        Parse(text).Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Name, out var v) && v == l.Value)).Sum(s => s.Value);

    /// <summary>
    /// <see cref="Sum"/> for a series written as in a query: <c>name</c> or <c>name{label="value",…}</c>.
    /// </summary>
    public static double Sum(string text, string series)
    {
        var brace = series.IndexOf('{');
        if (brace < 0) return Sum(text, series, []);
        return Sum(text, series[..brace], [.. Labels(series.AsSpan(brace + 1, series.Length - brace - 2)).Select(p => (p.Key, p.Value))]);
    }

    private static bool TryParse(string line, out Sample sample)
    {
        sample = null!;
        var brace = line.IndexOf('{');
        var space = line.IndexOf(' ');
        if (space < 0) return false;
        string name;
        Dictionary<string, string> labels;
        int rest;
        if (brace >= 0 && brace < space)
        {
            var close = line.LastIndexOf('}');
            if (close < brace) return false;
            name = line[..brace];
            labels = Labels(line.AsSpan(brace + 1, close - brace - 1));
            rest = close + 1;
        }
        else
        {
            name = line[..space];
            labels = [];
            rest = space;
        }
        var value = line.AsSpan(rest).Trim();
        var end = value.IndexOf(' '); // an optional timestamp follows the value
        if (end >= 0) value = value[..end];
        if (!double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
        {
            if (value.SequenceEqual("+Inf")) number = double.PositiveInfinity;
            else if (value.SequenceEqual("-Inf")) number = double.NegativeInfinity;
            else if (value.SequenceEqual("NaN")) number = double.NaN;
            else return false;
        }
        sample = new Sample(name, labels, number);
        return true;
    }

    /// <summary>Parses <c>a="x",b="y\"z"</c> (escapes: \\, \", \n).</summary>
    private static Dictionary<string, string> Labels(ReadOnlySpan<char> text)
    {
        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        var i = 0;
        while (i < text.Length)
        {
            while (i < text.Length && (text[i] == ',' || text[i] == ' ')) i++;
            var eq = text[i..].IndexOf('=');
            if (eq < 0) break;
            var key = text.Slice(i, eq).Trim().ToString();
            i += eq + 1;
            if (i >= text.Length || text[i] != '"') break;
            i++;
            var value = new System.Text.StringBuilder();
            while (i < text.Length && text[i] != '"')
            {
                if (text[i] == '\\' && i + 1 < text.Length)
                {
                    i++;
                    value.Append(text[i] == 'n' ? '\n' : text[i]);
                }
                else
                {
                    value.Append(text[i]);
                }
                i++;
            }
            i++; // closing quote
            labels[key] = value.ToString();
        }
        return labels;
    }
}
