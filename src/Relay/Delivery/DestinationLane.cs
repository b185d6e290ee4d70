using SmarthostLab.Relay.Storage;

namespace SmarthostLab.Relay.Delivery;

/// <summary>
/// The due jobs of one destination and the connections serving it (Postfix's per-destination queue in the active
/// queue). Connections take jobs one at a time; an idle connection waits a little for the next before it quits.
/// Guarded by the queue's lock except <see cref="Available"/>, which counts <see cref="Jobs"/>.
/// </summary>
internal sealed class DestinationLane(string destination)
{
    /// <summary>The destination key.</summary>
    public string Destination { get; } = destination;

    /// <summary>Due jobs, oldest first.</summary>
    public Queue<OutboundJob> Jobs { get; } = new();

    /// <summary>Released once per job added; a connection waits on it for its next job.</summary>
    public SemaphoreSlim Available { get; } = new(0);

    /// <summary>Connections open or opening.</summary>
    public int Connections { get; set; }

    /// <summary>Connections waiting for a job.</summary>
    public int Idle { get; set; }
}
