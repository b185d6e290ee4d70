using System.Globalization;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using SmarthostLab.Relay.Configuration;

namespace SmarthostLab.Testing;

/// <summary>
/// The configuration of a relay started by <see cref="SmarthostRelay.StartAsync(Action{SmarthostRelayOptions}?, CancellationToken)"/>,
/// built in code. Every method sets relay configuration keys (src/Relay/README.md lists them all); what is not set keeps
/// the relay's default, except these test defaults: SMTP and HTTP on 127.0.0.1 with free ports, a temp data folder,
/// live DNS off (<c>Verification:Dns:Offline</c>: only the zones given here answer), log level Warning, and a random
/// admin token that <see cref="SmarthostRelay"/> uses. Without any <see cref="Account"/> the relay's built-in account
/// <c>sample</c> registers 127.0.0.1 and ::1.
/// </summary>
public sealed class SmarthostRelayOptions
{
    private readonly List<AccountSpec> _accounts = [];
    private readonly List<string> _zoneTexts = [];
    private readonly List<string> _zoneFiles = [];
    private readonly List<DkimKeySpec> _dkimKeys = [];
    private readonly Dictionary<string, string?> _settings = new(StringComparer.OrdinalIgnoreCase);
    private readonly List<Action<WebApplicationBuilder>> _hostActions = [];

    /// <summary>
    /// Adds an account (<c>Accounts:N</c>): the outbound servers it registers (addresses or CIDR ranges; a test client
    /// binds its socket to one of them, e.g. 127.0.0.2) and the domains it sends for.
    /// </summary>
    /// <param name="name">Unique account name.</param>
    /// <param name="servers">Registered outbound servers: IPv4/IPv6 addresses or CIDR ranges.</param>
    /// <param name="domains">The account's domains.</param>
    /// <param name="mailFromPolicy">A MAIL FROM outside <paramref name="domains"/>: accepted (default) or refused with 550 5.7.1.</param>
    /// <param name="dmarcFailurePolicy">A message failing DMARC: tagged (default), quarantined or refused with 550 5.7.26.</param>
    public SmarthostRelayOptions Account(string name, IEnumerable<string> servers, IEnumerable<string> domains,
        MailFromPolicy mailFromPolicy = MailFromPolicy.Accept, DmarcFailurePolicy dmarcFailurePolicy = DmarcFailurePolicy.Tag)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(servers);
        ArgumentNullException.ThrowIfNull(domains);
        if (_accounts.Any(a => a.Name.Equals(name, StringComparison.OrdinalIgnoreCase)))
            throw new ArgumentException($"account '{name}' is added twice", nameof(name));
        _accounts.Add(new AccountSpec(name, [.. servers], [.. domains], mailFromPolicy, dmarcFailurePolicy));
        return this;
    }

    /// <summary>
    /// Adds an RFC 1035 zone (master file text) that the relay answers SPF, DKIM and DMARC lookups from
    /// (<c>--zone</c>); it is written to a file in the relay's temp folder.
    /// </summary>
    public SmarthostRelayOptions Zone(string zoneText)
    {
        ArgumentNullException.ThrowIfNull(zoneText);
        _zoneTexts.Add(zoneText);
        return this;
    }

    /// <summary>Adds a zone file by path (<c>--zone</c>), relative to the current directory.</summary>
    public SmarthostRelayOptions ZoneFile(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        _zoneFiles.Add(Path.GetFullPath(path));
        return this;
    }

    /// <summary>
    /// Makes the relay DKIM-sign <paramref name="account"/>'s mail from <paramref name="domain"/> with
    /// <paramref name="privateKeyPem"/> (RSA or Ed25519, PEM), selector <paramref name="selector"/>
    /// (<c>Accounts:N:Dkim:M</c>). The public key must be in a zone for the signature to verify.
    /// </summary>
    public SmarthostRelayOptions DkimKey(string account, string domain, string selector, string privateKeyPem)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(account);
        ArgumentException.ThrowIfNullOrWhiteSpace(domain);
        ArgumentException.ThrowIfNullOrWhiteSpace(selector);
        ArgumentException.ThrowIfNullOrWhiteSpace(privateKeyPem);
        _dkimKeys.Add(new DkimKeySpec(account, domain, selector, privateKeyPem));
        return this;
    }

    /// <summary>
    /// Makes the relay DKIM-sign <paramref name="account"/>'s mail from <paramref name="domain"/> with a new RSA-2048 key,
    /// and publishes its public key at <c>selector._domainkey.domain</c> in a zone of its own, so the relay's own
    /// verification sees <c>dkim=pass</c>.
    /// </summary>
    public SmarthostRelayOptions DkimKey(string account, string domain, string selector = "s1")
    {
        var key = DkimTestKey.Create(domain, selector);
        _zoneTexts.Add(key.ZoneText);
        return DkimKey(account, domain, selector, key.PrivateKeyPem);
    }

    /// <summary>
    /// Where accepted mail goes (<c>Delivery:Mode</c>): Store keeps it (the default), NextHop sends every recipient to
    /// <paramref name="nextHop"/> (<c>host:port</c> or <c>[ip]:port</c>), Mx looks up each recipient domain's MX.
    /// </summary>
    public SmarthostRelayOptions Delivery(DeliveryMode mode, string? nextHop = null)
    {
        Set("Delivery:Mode", mode.ToString());
        if (nextHop is not null) Set("Delivery:NextHop", nextHop);
        return this;
    }

    /// <summary>The relay's host name (<c>Smtp:HostName</c>): its greeting, Received header and authserv-id.</summary>
    public SmarthostRelayOptions HostName(string hostName) => Set("Smtp:HostName", hostName);

    /// <summary>
    /// The relay's egress addresses (<c>Verification:EgressAddresses</c>): SPF is evaluated for the first, as receivers
    /// will see it after the relay forwards the message. None (the default): the client's address stands in.
    /// </summary>
    public SmarthostRelayOptions EgressAddresses(params string[] addresses)
    {
        ArgumentNullException.ThrowIfNull(addresses);
        for (var i = 0; i < addresses.Length; i++) Set($"Verification:EgressAddresses:{i}", addresses[i]);
        return this;
    }

    /// <summary>Lets names outside the zones go to live DNS (off by default, so a test never leaves the machine).</summary>
    public SmarthostRelayOptions LiveDns(bool enabled = true) => Set("Verification:Dns:Offline", enabled ? "false" : "true");

    /// <summary>The lowest level the relay logs to the console (<c>Logging:LogLevel:Default</c>); Warning by default.</summary>
    public SmarthostRelayOptions LogLevel(LogLevel level) => Set("Logging:LogLevel:Default", level.ToString());

    /// <summary>
    /// Sets any configuration key, e.g. <c>Set("Smtp:MaxRecipients", "10")</c> or
    /// <c>Set("Admission:RefuseAt", "Rcpt")</c>; null removes it (the relay's own default applies, e.g.
    /// <c>Set("Api:AdminToken", null)</c> turns the admin routes off). Unknown keys stop the start with a message naming them.
    /// </summary>
    public SmarthostRelayOptions Set(string key, string? value)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(key);
        _settings[key] = value;
        return this;
    }

    /// <summary>
    /// Changes the relay's host before it is built (add a logger provider, replace a service such as the
    /// <see cref="TimeProvider"/>); runs after the configuration above is in place.
    /// </summary>
    public SmarthostRelayOptions ConfigureHost(Action<WebApplicationBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(configure);
        _hostActions.Add(configure);
        return this;
    }

    /// <summary>Runs the <see cref="ConfigureHost"/> actions, or null when there are none.</summary>
    internal Action<WebApplicationBuilder>? HostActions => _hostActions.Count == 0 ? null : builder =>
    {
        foreach (var action in _hostActions) action(builder);
    };

    /// <summary>
    /// The relay's arguments for a relay whose files live in <paramref name="folder"/> (data, zones, keys are written
    /// there): test defaults first, then what was set here, so a <see cref="Set"/> overrides a default; and the admin
    /// token in force (null when admin routes are off).
    /// </summary>
    /// <exception cref="InvalidOperationException">A DKIM key names an account that was not added.</exception>
    internal (List<string> Arguments, string? AdminToken) ToArguments(string folder, string adminToken)
    {
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase)
        {
            ["Smtp:Listen"] = "127.0.0.1:0",
            ["Api:Listen"] = "127.0.0.1:0",
            ["Store:DataFolder"] = Path.Combine(folder, "data"),
            ["Api:AdminToken"] = adminToken,
            ["Verification:Dns:Offline"] = "true",
            ["Logging:LogLevel:Default"] = "Warning",
        };
        for (var i = 0; i < _accounts.Count; i++)
        {
            var account = _accounts[i];
            var prefix = $"Accounts:{i}:";
            settings[prefix + "Name"] = account.Name;
            for (var j = 0; j < account.Servers.Count; j++) settings[$"{prefix}OutboundServers:{j}"] = account.Servers[j];
            for (var j = 0; j < account.Domains.Count; j++) settings[$"{prefix}Domains:{j}"] = account.Domains[j];
            settings[prefix + "MailFromPolicy"] = account.MailFromPolicy.ToString();
            settings[prefix + "DmarcFailurePolicy"] = account.DmarcFailurePolicy.ToString();
            var keys = _dkimKeys.Where(k => k.Account.Equals(account.Name, StringComparison.OrdinalIgnoreCase)).ToList();
            for (var j = 0; j < keys.Count; j++)
            {
                var file = Path.Combine(folder, $"dkim-{i}-{j}.pem");
                File.WriteAllText(file, keys[j].PrivateKeyPem);
                settings[$"{prefix}Dkim:{j}:Domain"] = keys[j].Domain;
                settings[$"{prefix}Dkim:{j}:Selector"] = keys[j].Selector;
                settings[$"{prefix}Dkim:{j}:PrivateKeyFile"] = file;
            }
        }
        if (_dkimKeys.FirstOrDefault(k => !_accounts.Any(a => a.Name.Equals(k.Account, StringComparison.OrdinalIgnoreCase))) is { } orphan)
            throw new InvalidOperationException($"DkimKey: account '{orphan.Account}' was not added with Account(...)");
        foreach (var (key, value) in _settings) settings[key] = value;

        var arguments = new List<string>();
        foreach (var (key, value) in settings)
        {
            if (value is not null) arguments.Add($"--{key}={value}");
        }
        var zones = new List<string>(_zoneFiles);
        for (var i = 0; i < _zoneTexts.Count; i++)
        {
            var file = Path.Combine(folder, string.Create(CultureInfo.InvariantCulture, $"zone-{i + 1}.zone"));
            File.WriteAllText(file, _zoneTexts[i]);
            zones.Add(file);
        }
        foreach (var zone in zones)
        {
            arguments.Add("--zone");
            arguments.Add(zone);
        }
        return (arguments, settings["Api:AdminToken"]);
    }

    private sealed record AccountSpec(string Name, IReadOnlyList<string> Servers, IReadOnlyList<string> Domains,
        MailFromPolicy MailFromPolicy, DmarcFailurePolicy DmarcFailurePolicy);

    private sealed record DkimKeySpec(string Account, string Domain, string Selector, string PrivateKeyPem);
}
