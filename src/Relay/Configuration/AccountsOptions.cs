namespace SmarthostLab.Relay.Configuration;

/// <summary>
/// The top-level <c>Accounts</c> array. When the configuration holds no <c>Accounts</c> at all the
/// built-in sample account is used; any configured account list replaces it (never merged).
/// </summary>
public sealed class AccountsOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Accounts";

    /// <summary>The accounts.</summary>
    public List<AccountOptions> Accounts { get; set; } = [];

    /// <summary>The account used when none is configured: "sample", registering 127.0.0.1 and ::1 for example.com.</summary>
    public static AccountOptions Sample() => new()
    {
        Name = "sample",
        OutboundServers = ["127.0.0.1", "::1"],
        Domains = ["example.com"],
    };
}
