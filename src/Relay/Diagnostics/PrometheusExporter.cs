using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;
using SmarthostLab.Smtp.Server;

namespace SmarthostLab.Relay.Diagnostics;

/// <summary>
/// Prometheus text exposition (format 0.0.4) of the meters <c>SmarthostLab.Relay</c> and <c>SmarthostLab.Smtp</c>
/// created by this host's <see cref="IMeterFactory"/>: a <see cref="MeterListener"/> aggregates counters,
/// up-down counters and gauges per tag set and histograms into their advised buckets. Names: dots become
/// underscores; counters end in <c>_total</c>; a unit of seconds adds <c>_seconds</c>.
/// </summary>
public sealed class PrometheusExporter : IDisposable
{
    private static readonly double[] DefaultBuckets = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<Instrument, InstrumentState> _states = new();

    /// <summary>Starts listening to the meters of <paramref name="meterFactory"/>.</summary>
    public PrometheusExporter(IMeterFactory meterFactory)
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name is not (RelayMetrics.MeterName or SmtpMetrics.MeterName)) return;
            if (instrument.Meter.Scope is not null && !ReferenceEquals(instrument.Meter.Scope, meterFactory)) return;
            var state = _states.GetOrAdd(instrument, static i => new InstrumentState(i));
            listener.EnableMeasurementEvents(instrument, state);
        };
        _listener.SetMeasurementEventCallback<long>(static (_, value, tags, state) => ((InstrumentState)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<int>(static (_, value, tags, state) => ((InstrumentState)state!).Record(value, tags));
        _listener.SetMeasurementEventCallback<double>(static (_, value, tags, state) => ((InstrumentState)state!).Record(value, tags));
        _listener.Start();
    }

    /// <summary>The current values as Prometheus text.</summary>
    public string Render()
    {
        _listener.RecordObservableInstruments();
        var text = new StringBuilder(4096);
        foreach (var state in _states.Values.OrderBy(s => s.Name, StringComparer.Ordinal)) state.Render(text);
        return text.ToString();
    }

    /// <inheritdoc />
    public void Dispose() => _listener.Dispose();

    private sealed class InstrumentState
    {
        private readonly Instrument _instrument;
        private readonly bool _histogram;
        private readonly bool _sum;
        private readonly double[] _buckets;
        private readonly ConcurrentDictionary<string, Series> _series = new();
        private readonly ConcurrentDictionary<(string Key, object? Value), string> _oneTag = new();

        public InstrumentState(Instrument instrument)
        {
            _instrument = instrument;
            var type = instrument.GetType().GetGenericTypeDefinition();
            _histogram = type == typeof(Histogram<>);
            _sum = type == typeof(Counter<>) || type == typeof(UpDownCounter<>);
            var name = instrument.Name.Replace('.', '_').Replace('-', '_');
            if (instrument.Unit == "s" && !name.EndsWith("_seconds", StringComparison.Ordinal)) name += "_seconds";
            if (type == typeof(Counter<>) || type == typeof(ObservableCounter<>)) name += "_total";
            Name = name;
            Type = _histogram ? "histogram" : type == typeof(Counter<>) || type == typeof(ObservableCounter<>) ? "counter" : "gauge";
            _buckets = Advice(instrument) ?? DefaultBuckets;
        }

        public string Name { get; }
        public string Type { get; }

        public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            // Most measurements carry one tag from a fixed set (the SMTP command, a refusal reason): their label
            // text is built once, not for every command of every session.
            var labels = tags.Length switch
            {
                0 => "",
                1 => _oneTag.GetOrAdd((tags[0].Key, tags[0].Value), static tag => Labels([new(tag.Key, tag.Value)])),
                _ => Labels(tags),
            };
            var series = _series.GetOrAdd(labels, static (_, b) => new Series(b.Length), _buckets);
            lock (series)
            {
                if (_histogram)
                {
                    series.Count++;
                    series.Value += value;
                    for (var i = 0; i < _buckets.Length; i++) if (value <= _buckets[i]) series.Buckets[i]++;
                }
                else if (_sum) series.Value += value;
                else series.Value = value;
            }
        }

        public void Render(StringBuilder text)
        {
            text.Append("# HELP ").Append(Name).Append(' ').Append((_instrument.Description ?? _instrument.Name).Replace('\n', ' ')).Append('\n');
            text.Append("# TYPE ").Append(Name).Append(' ').Append(Type).Append('\n');
            foreach (var (labels, series) in _series.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                lock (series)
                {
                    if (!_histogram)
                    {
                        Line(text, Name, labels, series.Value);
                        continue;
                    }
                    for (var i = 0; i < _buckets.Length; i++)
                        Line(text, Name + "_bucket", Join(labels, $"le=\"{Number(_buckets[i])}\""), series.Buckets[i]);
                    Line(text, Name + "_bucket", Join(labels, "le=\"+Inf\""), series.Count);
                    Line(text, Name + "_sum", labels, series.Value);
                    Line(text, Name + "_count", labels, series.Count);
                }
            }
        }

        private static double[]? Advice(Instrument instrument) => instrument switch
        {
            Histogram<double> d => d.Advice?.HistogramBucketBoundaries?.ToArray(),
            Histogram<long> l => l.Advice?.HistogramBucketBoundaries?.Select(v => (double)v).ToArray(),
            Histogram<int> i => i.Advice?.HistogramBucketBoundaries?.Select(v => (double)v).ToArray(),
            _ => null,
        };

        private static string Labels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            if (tags.IsEmpty) return "";
            var pairs = new List<string>(tags.Length);
            foreach (var tag in tags)
            {
                var value = Convert.ToString(tag.Value, CultureInfo.InvariantCulture) ?? "";
                value = value.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal).Replace("\n", "\\n", StringComparison.Ordinal);
                pairs.Add($"{tag.Key.Replace('.', '_')}=\"{value}\"");
            }
            pairs.Sort(StringComparer.Ordinal);
            return string.Join(',', pairs);
        }

        private static string Join(string labels, string extra) => labels.Length == 0 ? extra : labels + "," + extra;

        private static void Line(StringBuilder text, string name, string labels, double value)
        {
            text.Append(name);
            if (labels.Length > 0) text.Append('{').Append(labels).Append('}');
            text.Append(' ').Append(Number(value)).Append('\n');
        }

        private static string Number(double value) => value.ToString("R", CultureInfo.InvariantCulture);
    }

    private sealed class Series(int buckets)
    {
        public double Value;
        public long Count;
        public readonly long[] Buckets = new long[buckets];
    }
}
