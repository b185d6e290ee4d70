using System.Net;

namespace SmarthostLab.Smtp.Proxy;

/// <summary>
/// The peers allowed to send a PROXY header (<see cref="SmtpOptions.ProxyTrustedNetworks"/>): networks in CIDR
/// notation or single addresses; none configured means loopback (127.0.0.0/8 and ::1), a load balancer on the
/// relay's own machine. IPv4-mapped IPv6 peers are matched as IPv4.
/// </summary>
public sealed class TrustedProxies
{
    /// <summary>The networks trusted when <see cref="SmtpOptions.ProxyTrustedNetworks"/> is empty.</summary>
    public static readonly IReadOnlyList<string> LoopbackDefault = ["127.0.0.0/8", "::1"];

    private readonly IPNetwork[] _networks;

    private TrustedProxies(IPNetwork[] networks) => _networks = networks;

    /// <summary>The networks, as parsed.</summary>
    public IReadOnlyList<IPNetwork> Networks => _networks;

    /// <summary>True when <paramref name="peer"/> may send a PROXY header.</summary>
    public bool Contains(IPAddress peer)
    {
        if (peer.IsIPv4MappedToIPv6) peer = peer.MapToIPv4();
        foreach (var network in _networks)
        {
            if (network.Contains(peer)) return true;
        }
        return false;
    }

    /// <summary>Parses the configured list (empty: <see cref="LoopbackDefault"/>); false with the first bad entry named in <paramref name="problem"/>.</summary>
    public static bool TryCreate(IReadOnlyList<string>? entries, out TrustedProxies trusted, out string problem)
    {
        if (entries is null || entries.Count == 0) entries = LoopbackDefault;
        var networks = new IPNetwork[entries.Count];
        trusted = null!;
        for (var i = 0; i < entries.Count; i++)
        {
            if (!TryParseNetwork(entries[i], out networks[i]))
            {
                problem = $"'{entries[i]}' is neither an IP address nor a network in CIDR notation (e.g. 10.0.0.0/24, 2001:db8::/64)";
                return false;
            }
        }
        trusted = new TrustedProxies(networks);
        problem = "";
        return true;
    }

    private static bool TryParseNetwork(string? entry, out IPNetwork network)
    {
        network = default;
        var text = entry?.Trim();
        if (string.IsNullOrEmpty(text)) return false;
        if (!text.Contains('/'))
        {
            if (!IPAddress.TryParse(text, out var address) || text.Contains('%')) return false;
            if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
            network = new IPNetwork(address, address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork ? 32 : 128);
            return true;
        }
        return IPNetwork.TryParse(text, out network);
    }
}
