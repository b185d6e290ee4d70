namespace SmarthostLab.Verification;

/// <summary>The <c>Verification</c> configuration section.</summary>
public sealed class VerificationOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Verification";

    /// <summary>
    /// The relay's egress addresses: what receivers will see as the client IP after the smarthost
    /// forwards a message. SPF is evaluated for these (DMARC uses that result). Default 198.51.100.25.
    /// </summary>
    public List<string> EgressAddresses { get; set; } = [];

    /// <summary>authserv-id of the Authentication-Results header (RFC 8601 2.5); also the HELO name used for the egress SPF check. Default: the SMTP host name.</summary>
    public string? AuthServId { get; set; }

    /// <summary>Evaluate and report the HELO identity on its own (verdict.spfHelo).</summary>
    public bool CheckHelo { get; set; } = true;

    /// <summary>RFC 1035 zone files answered before live DNS (command line: --zone FILE, repeatable).</summary>
    public List<string> Zones { get; set; } = [];

    /// <summary>Public Suffix List file; empty = the copy shipped with the relay.</summary>
    public string? PublicSuffixListPath { get; set; }

    /// <summary>Live DNS settings.</summary>
    public DnsOptions Dns { get; set; } = new();
}

/// <summary>The <c>Verification:Dns</c> section: the live resolver.</summary>
public sealed class DnsOptions
{
    /// <summary>Name servers as IP or IP:port; empty = the system's resolvers.</summary>
    public List<string> Servers { get; set; } = [];

    /// <summary>Time allowed for one query attempt.</summary>
    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(3);

    /// <summary>Retries after a timeout.</summary>
    public int Retries { get; set; } = 1;

    /// <summary>Turn off live DNS entirely (zone files only; names outside them answer SERVFAIL → temperror).</summary>
    public bool Offline { get; set; }

    /// <summary>Largest number of cached answers.</summary>
    public int CacheSize { get; set; } = 100_000;
}
