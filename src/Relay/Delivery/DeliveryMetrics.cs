using System.Diagnostics.Metrics;
using SmarthostLab.Relay.Diagnostics;

namespace SmarthostLab.Relay.Delivery;

/// <summary>The outbound queue's instruments (issue 13), on the relay's meter <c>SmarthostLab.Relay</c>.</summary>
public sealed class DeliveryMetrics
{
    private readonly Counter<long> _attempts;
    private readonly Counter<long> _repeats;
    private readonly Histogram<double> _latency;
    private Func<(long Queued, long Deferred, long Active)> _queue = () => (0, 0, 0);

    /// <summary>Creates the instruments.</summary>
    public DeliveryMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(RelayMetrics.MeterName);
        _attempts = meter.CreateCounter<long>("smarthostlab.relay.delivery.attempts", "{recipient}", "Delivery attempts per recipient, by outcome (delivered, deferred, bounced, expired)");
        _repeats = meter.CreateCounter<long>("smarthostlab.relay.delivery.repeats", "{recipient}",
            "Recipients delivered again after a stop cut off an attempt that may already have reached the next hop (at-least-once delivery)");
        _latency = meter.CreateHistogram<double>("smarthostlab.relay.delivery.latency", "s", "From the relay's 250 to the next hop's 250, per delivered recipient",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600] });
        meter.CreateObservableGauge("smarthostlab.relay.queue.size", () =>
        {
            var (queued, deferred, active) = _queue();
            return new[]
            {
                new Measurement<long>(queued, new KeyValuePair<string, object?>("state", "queued")),
                new Measurement<long>(deferred, new KeyValuePair<string, object?>("state", "deferred")),
                new Measurement<long>(active, new KeyValuePair<string, object?>("state", "active")),
            };
        }, "{recipient}", "Recipients in the outbound queue: due (queued), waiting for a retry (deferred), in an attempt (active)");
    }

    /// <summary>Sets where the queue gauge reads its counts.</summary>
    public void ObserveQueue(Func<(long Queued, long Deferred, long Active)> counts) => _queue = counts;

    /// <summary>One recipient's attempt ended in <paramref name="state"/>.</summary>
    public void Attempted(string state) => _attempts.Add(1, new KeyValuePair<string, object?>("outcome", state));

    /// <summary>A recipient was delivered <paramref name="latency"/> after acceptance.</summary>
    public void Delivered(TimeSpan latency, bool repeat)
    {
        _latency.Record(Math.Max(0, latency.TotalSeconds));
        if (repeat) _repeats.Add(1);
    }
}
