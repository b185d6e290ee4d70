namespace SmarthostLab.Probe.Relay;

/// <summary>GET /api/v1/refusals response.</summary>
public sealed class RelayRefusalPage
{
    /// <summary>Refusals, newest first.</summary>
    public List<RelayRefusal> Refusals { get; set; } = [];

    /// <summary>Total matching.</summary>
    public int Total { get; set; }
}
