namespace SmarthostLab.Smtp.Proxy;

/// <summary>Whether the SMTP endpoints expect a PROXY protocol header (HAProxy's proxy-protocol.txt) before the greeting.</summary>
public enum ProxyProtocolMode
{
    /// <summary>No PROXY protocol (default): the TCP peer is the client.</summary>
    Off,
    /// <summary>
    /// Every connection must come from <see cref="SmtpOptions.ProxyTrustedNetworks"/> and start with a v1 or v2 PROXY header,
    /// whose source address is then the client's; any other connection is closed without a greeting.
    /// </summary>
    Required,
}
