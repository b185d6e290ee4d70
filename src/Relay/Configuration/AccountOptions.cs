namespace SmarthostLab.Relay.Configuration;

/// <summary>What to do with a MAIL FROM domain that is not one of the account's domains.</summary>
public enum MailFromPolicy
{
    /// <summary>Accept it (default).</summary>
    Accept,
    /// <summary>Refuse it with 550 5.7.1.</summary>
    Reject,
}

/// <summary>What to do with a message that fails DMARC (issue 3).</summary>
public enum DmarcFailurePolicy
{
    /// <summary>Store it and tag the verdict (default).</summary>
    Tag,
    /// <summary>Store it flagged as quarantined.</summary>
    Quarantine,
    /// <summary>Refuse it with 550 5.7.26.</summary>
    Reject,
}

/// <summary>One DKIM signing key of an account (issue 3).</summary>
public sealed class DkimKeyOptions
{
    /// <summary>d= of the signature.</summary>
    public string Domain { get; set; } = "";

    /// <summary>s= of the signature.</summary>
    public string Selector { get; set; } = "";

    /// <summary>RSA or Ed25519 private key, PEM.</summary>
    public string PrivateKeyFile { get; set; } = "";
}

/// <summary>One customer account: an element of the top-level <c>Accounts</c> array.</summary>
public sealed class AccountOptions
{
    /// <summary>Unique account name.</summary>
    public string Name { get; set; } = "";

    /// <summary>Registered outbound servers: IPv4/IPv6 addresses and CIDR ranges.</summary>
    public List<string> OutboundServers { get; set; } = [];

    /// <summary>Domains the account sends for.</summary>
    public List<string> Domains { get; set; } = [];

    /// <summary>MAIL FROM outside <see cref="Domains"/>: Accept (default) or Reject.</summary>
    public MailFromPolicy MailFromPolicy { get; set; } = MailFromPolicy.Accept;

    /// <summary>DMARC failure handling (issue 3). Default Tag.</summary>
    public DmarcFailurePolicy DmarcFailurePolicy { get; set; } = DmarcFailurePolicy.Tag;

    /// <summary>DKIM signing keys (issue 3).</summary>
    public List<DkimKeyOptions> Dkim { get; set; } = [];

    /// <summary>The account's own delivery mode and next hop (issue 13), overriding the <c>Delivery</c> section.</summary>
    public AccountDeliveryOptions Delivery { get; set; } = new();

    /// <summary>Rate limits of the account (issue 14); none by default.</summary>
    public AccountLimitOptions Limits { get; set; } = new();

    /// <summary>Greylist this account's mail: true, false, or null (default) to follow <c>Greylisting:Enabled</c>.</summary>
    public bool? Greylisting { get; set; }

    /// <summary>SMTP AUTH credentials (issue 14); a session that authenticates with one is this account's.</summary>
    public List<CredentialOptions> Credentials { get; set; } = [];
}
