namespace SmarthostLab.Probe.Connectors;

/// <summary>Which Exchange generation a connector export came from.</summary>
public enum ExchangeVersion
{
    /// <summary>Exchange 2007–2019 send connector (Get-SendConnector).</summary>
    Exchange2016,
    /// <summary>Exchange 2000/2003 SMTP connector (msExchRoutingSMTPConnector, exported with ldifde).</summary>
    Exchange2003,
}
