using System.Diagnostics.Metrics;

namespace SmarthostLab.Relay.Tests.Infrastructure;

/// <summary>A meter factory for relay parts built by hand in a test (the store, the limits); disposes its meters.</summary>
internal sealed class TestMeterFactory : IMeterFactory
{
    private readonly List<Meter> _meters = [];

    public Meter Create(MeterOptions options)
    {
        var meter = new Meter(options.Name, options.Version, options.Tags, this);
        lock (_meters) _meters.Add(meter);
        return meter;
    }

    public void Dispose()
    {
        lock (_meters)
        {
            foreach (var meter in _meters) meter.Dispose();
        }
    }
}
