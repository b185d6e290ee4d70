namespace SmarthostLab.Probe.Connectors;

/// <summary>
/// How the connector authenticates to the smart host. Values are Exchange's
/// <c>SmtpSendConnectorConfig.AuthMechanisms</c> (None = 0, BasicAuth = 2, BasicAuthRequireTLS = 4,
/// ExchangeServer = 8, ExternalAuthoritative = 16); Exchange 2003's Integrated Windows
/// authentication (outbound security flag 2) has no 2016 equivalent and gets its own member.
/// </summary>
public enum SmartHostAuth
{
    /// <summary>Anonymous: the smarthost admits the connector by its source IP (what the guides ask for).</summary>
    None = 0,
    /// <summary>AUTH with a user name and password, TLS not required.</summary>
    BasicAuth = 2,
    /// <summary>AUTH only after STARTTLS.</summary>
    BasicAuthRequireTLS = 4,
    /// <summary>Exchange server authentication (Kerberos between Exchange servers).</summary>
    ExchangeServer = 8,
    /// <summary>The connection is treated as secured by external means; no authentication.</summary>
    ExternalAuthoritative = 16,
    /// <summary>Exchange 2003 Integrated Windows Authentication (NTLM).</summary>
    IntegratedWindows = 1000,
}
