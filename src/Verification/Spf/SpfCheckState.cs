using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace SmarthostLab.Verification.Spf;

/// <summary>
/// The state of one check_host() evaluation tree (RFC 7208 4.6.4): the arguments, the macro values
/// (RFC 7208 7.2), and the DNS-lookup and void-lookup counters shared by includes and redirects.
/// </summary>
internal sealed class SpfCheckState(IPAddress ip, string sender, string helo, SpfOptions options, DateTimeOffset now)
{
    private string? ipMacro;

    public IPAddress Ip { get; } = ip;

    public bool IsIPv4 { get; } = ip.AddressFamily == AddressFamily.InterNetwork;

    public string Sender { get; } = sender;

    public string Helo { get; } = helo;

    public SpfOptions Options { get; } = options;

    /// <summary>Terms evaluated so far that query DNS (include a mx ptr exists redirect).</summary>
    public int Lookups { get; set; }

    /// <summary>Lookups that answered NXDOMAIN or NODATA (RFC 7208 4.6.4).</summary>
    public int VoidLookups { get; set; }

    /// <summary>%{p}, once computed (RFC 7208 7.3); null = not yet.</summary>
    public string? ValidatedName { get; set; }

    /// <summary>The value of one macro letter before transformers (RFC 7208 7.3).</summary>
    public string MacroValue(char letter, string domain) => letter switch
    {
        's' => Sender,
        'l' => LocalPart,
        'o' => SenderDomain,
        'd' => domain,
        'i' => ipMacro ??= SpfAddress.MacroForm(Ip),
        'p' => ValidatedName ?? "unknown",
        'v' => IsIPv4 ? "in-addr" : "ip6",
        'h' => Helo,
        'c' => Ip.ToString(),
        'r' => Options.ReceivingHost ?? "unknown",
        't' => now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture),
        _ => string.Empty,
    };

    private string LocalPart
    {
        get
        {
            var at = Sender.LastIndexOf('@');
            return at <= 0 ? "postmaster" : Sender[..at];
        }
    }

    private string SenderDomain
    {
        get
        {
            var at = Sender.LastIndexOf('@');
            return at < 0 ? Sender : Sender[(at + 1)..];
        }
    }
}
