using System.Diagnostics.Metrics;
using SmarthostLab.Relay.Diagnostics;

namespace SmarthostLab.Relay.Faults;

/// <summary>
/// The fault hit counter on the relay's meter: <c>smarthostlab.relay.faults.hits</c> by <c>rule</c> and <c>stage</c>
/// (Prometheus: <c>smarthostlab_relay_faults_hits_total</c>).
/// </summary>
public sealed class FaultMetrics
{
    private readonly Counter<long> _hits;

    /// <summary>Creates the instrument on the relay's meter of <paramref name="meterFactory"/>.</summary>
    public FaultMetrics(IMeterFactory meterFactory)
    {
        ArgumentNullException.ThrowIfNull(meterFactory);
        _hits = meterFactory.Create(RelayMetrics.MeterName).CreateCounter<long>("smarthostlab.relay.faults.hits", "{hit}", "Fault rule hits, by rule and stage");
    }

    /// <summary>A rule hit.</summary>
    public void Hit(FaultRule rule) =>
        _hits.Add(1, new KeyValuePair<string, object?>("rule", rule.Name), new KeyValuePair<string, object?>("stage", rule.StageName));
}
