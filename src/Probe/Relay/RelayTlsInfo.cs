namespace SmarthostLab.Probe.Relay;

/// <summary>The TLS parameters of the session a message arrived on.</summary>
public sealed class RelayTlsInfo
{
    /// <summary>e.g. Tls13.</summary>
    public string? Protocol { get; set; }

    /// <summary>e.g. TLS_AES_256_GCM_SHA384.</summary>
    public string? Cipher { get; set; }
}
