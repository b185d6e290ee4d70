namespace SmarthostLab.Probe.Send;

/// <summary>How the probe secures its own connection to the MTA.</summary>
public enum TlsMode
{
    /// <summary>STARTTLS when the MTA offers it, plain text otherwise (the default).</summary>
    Opportunistic,
    /// <summary>STARTTLS required (--starttls).</summary>
    StartTls,
    /// <summary>TLS from the first byte (--tls, port 465 style).</summary>
    Implicit,
    /// <summary>Never TLS (--no-tls).</summary>
    None,
}
