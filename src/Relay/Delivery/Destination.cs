using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace SmarthostLab.Relay.Delivery;

/// <summary>
/// Destination keys as the queue stores them per recipient: <c>nexthop:host:port</c>,
/// <c>nexthop:[ip]:port</c>, <c>mx:example.com</c> or, for an address-literal recipient
/// (RFC 5321 4.1.3), <c>mx:[ip]</c>. Host names and domains are lower-cased and in their
/// A-label form (RFC 5890), so recipients bound for the same place share one key.
/// </summary>
public static class Destination
{
    /// <summary>Prefix of next-hop keys.</summary>
    public const string NextHopPrefix = "nexthop:";

    /// <summary>Prefix of per-domain MX keys.</summary>
    public const string MxPrefix = "mx:";

    private const string Ipv6Tag = "IPv6:";
    private const string Forms = "use host:port or [ip]:port";

    private static readonly IdnMapping Idn = new() { UseStd3AsciiRules = true };

    /// <summary>
    /// The key of a configured next hop: <c>"Mail.Test:25"</c> gives <c>"nexthop:mail.test:25"</c>,
    /// <c>"[127.0.0.1]:2526"</c> and <c>"127.0.0.1:2526"</c> give <c>"nexthop:[127.0.0.1]:2526"</c>,
    /// <c>"[::1]:25"</c> gives <c>"nexthop:[::1]:25"</c>.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="hostPort"/> is not HOST:PORT or [IP]:PORT; the message says why.</exception>
    public static string NextHop(string hostPort)
    {
        if (!TryParseHostPort(hostPort, out var host, out var port, out var literal, out var error))
        {
            throw new ArgumentException($"Next hop {error}", nameof(hostPort));
        }

        return NextHopPrefix + FormatHost(host, literal) + ":" + port.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// The key of a recipient in MX mode: <c>"mx:"</c> and the domain after the last '@', lower-cased
    /// and in A-label form (<c>"user@Bücher.Example"</c> gives <c>"mx:xn--bcher-kva.example"</c>);
    /// an address literal keeps its address (<c>"user@[127.0.0.1]"</c> gives <c>"mx:[127.0.0.1]"</c>).
    /// </summary>
    /// <exception cref="ArgumentException">The address has no domain, or its domain is not a valid domain name or address literal.</exception>
    public static string Mx(string recipientAddress)
    {
        ArgumentNullException.ThrowIfNull(recipientAddress);
        var at = recipientAddress.LastIndexOf('@');
        var domain = at < 0 ? string.Empty : recipientAddress[(at + 1)..];
        if (domain.Length == 0)
        {
            throw new ArgumentException($"'{recipientAddress}' has no domain", nameof(recipientAddress));
        }

        if (!TryNormalizeMailDomain(domain, out var key, out var error))
        {
            throw new ArgumentException($"'{recipientAddress}': {error}", nameof(recipientAddress));
        }

        return MxPrefix + key;
    }

    /// <summary>
    /// Parses <c>host:port</c>, <c>[ip]:port</c> or <c>ipv4:port</c> (a port is required). On success
    /// <paramref name="host"/> is the lower-cased A-label host name, or the address text when
    /// <paramref name="literal"/> is true; on failure <paramref name="error"/> names what is wrong,
    /// starting with the text, e.g. <c>"'mx.test' has no port; use host:port or [ip]:port"</c>.
    /// </summary>
    public static bool TryParseHostPort(string text, out string host, out int port, out bool literal, out string? error)
    {
        host = string.Empty;
        port = 0;
        literal = false;
        var value = text?.Trim() ?? string.Empty;
        if (value.Length == 0)
        {
            error = $"is empty; {Forms}";
            return false;
        }

        if (!TrySplit(value, out var hostText, out var portText, out var bracketed, out error))
        {
            return false;
        }

        if (hostText.Length == 0)
        {
            error = $"'{value}' has an empty host; {Forms}";
            return false;
        }

        if (portText is null)
        {
            error = $"'{value}' has no port; {Forms}";
            return false;
        }

        if (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out var number) || number is < 1 or > 65535)
        {
            error = $"'{value}' has port '{portText}'; a port is 1-65535";
            return false;
        }

        if (bracketed || LooksLikeIpv4(hostText))
        {
            if (!TryParseAddressLiteral(hostText, out var address))
            {
                error = bracketed
                    ? $"'[{hostText}]' is not an IP address; brackets hold an address, write a host name without them (host:port)"
                    : $"'{hostText}' is not an IPv4 address";
                return false;
            }

            literal = true;
            host = address.ToString();
            port = number;
            error = null;
            return true;
        }

        if (!TryToALabel(hostText, out host))
        {
            error = $"'{hostText}' is not a valid host name";
            return false;
        }

        port = number;
        error = null;
        return true;
    }

    /// <summary>
    /// Parses the inside of an address literal: dotted-quad IPv4, or IPv6 with or without the
    /// RFC 5321 4.1.3 "IPv6:" tag. Stricter than <see cref="IPAddress.TryParse(string, out IPAddress)"/>,
    /// which reads "1" as 0.0.0.1.
    /// </summary>
    internal static bool TryParseAddressLiteral(string text, out IPAddress address)
    {
        address = IPAddress.None;
        var ipv6Tagged = text.StartsWith(Ipv6Tag, StringComparison.OrdinalIgnoreCase);
        var body = ipv6Tagged ? text[Ipv6Tag.Length..] : text;
        if (!IPAddress.TryParse(body, out var parsed))
        {
            return false;
        }

        var ok = parsed.AddressFamily == AddressFamily.InterNetworkV6 ? body.Contains(':') : !ipv6Tagged && LooksLikeIpv4(body);
        if (ok)
        {
            address = parsed;
        }

        return ok;
    }

    /// <summary>The text of a host in a key: the host name, or the address in brackets.</summary>
    internal static string FormatHost(string host, bool literal) => literal ? "[" + host + "]" : host;

    /// <summary>A mail domain (the part after '@') as a key: A-label, or an address literal in brackets.</summary>
    internal static bool TryNormalizeMailDomain(string domain, out string key, out string? error)
    {
        key = string.Empty;
        if (domain.StartsWith('['))
        {
            if (!domain.EndsWith(']') || !TryParseAddressLiteral(domain[1..^1], out var address))
            {
                error = $"'{domain}' is not an address literal";
                return false;
            }

            key = FormatHost(address.ToString(), literal: true);
            error = null;
            return true;
        }

        if (!TryToALabel(domain, out key))
        {
            error = $"'{domain}' is not a valid domain name";
            return false;
        }

        error = null;
        return true;
    }

    /// <summary>Splits HOST:PORT or [ADDRESS]:PORT; <paramref name="portText"/> is null when there is no port.</summary>
    private static bool TrySplit(string value, out string hostText, out string? portText, out bool bracketed, out string? error)
    {
        hostText = string.Empty;
        portText = null;
        error = null;
        bracketed = value.StartsWith('[');
        if (bracketed)
        {
            var close = value.IndexOf(']');
            if (close < 0 || value.IndexOf('[', 1) >= 0 || value.IndexOf(']', close + 1) >= 0)
            {
                error = $"'{value}' has unbalanced brackets; {Forms}";
                return false;
            }

            var rest = value[(close + 1)..];
            if (rest.Length > 0 && rest[0] != ':')
            {
                error = $"'{value}' has '{rest}' after ']'; {Forms}";
                return false;
            }

            hostText = value[1..close];
            portText = rest.Length == 0 ? null : rest[1..];
            return true;
        }

        if (value.Contains('[') || value.Contains(']'))
        {
            error = $"'{value}' has misplaced brackets; {Forms}";
            return false;
        }

        var colon = value.LastIndexOf(':');
        if (colon >= 0 && value.IndexOf(':') != colon)
        {
            error = $"'{value}' looks like an IPv6 address; write it in brackets, e.g. [::1]:25";
            return false;
        }

        hostText = colon < 0 ? value : value[..colon];
        portText = colon < 0 ? null : value[(colon + 1)..];
        return true;
    }

    /// <summary>Lower-cased A-label form of a host or domain name (trailing dot dropped), LDH rules (RFC 5890, RFC 1123 2.1).</summary>
    private static bool TryToALabel(string name, out string aLabel)
    {
        aLabel = string.Empty;
        var trimmed = name.EndsWith('.') ? name[..^1] : name;
        if (trimmed.Length == 0)
        {
            return false;
        }

        string ascii;
        try
        {
            ascii = Idn.GetAscii(trimmed.ToLowerInvariant()).ToLowerInvariant();
        }
        catch (ArgumentException)
        {
            // IdnMapping's only way of saying "not a valid name" (empty label, label over 63, bad characters).
            return false;
        }

        // A name whose last label is all digits would be read as a (partial) IPv4 address somewhere.
        if (ascii[(ascii.LastIndexOf('.') + 1)..].All(char.IsAsciiDigit))
        {
            return false;
        }

        aLabel = ascii;
        return true;
    }

    private static bool LooksLikeIpv4(string text)
        => text.Length > 0 && text.All(c => c == '.' || char.IsAsciiDigit(c)) && text.Count(c => c == '.') == 3;
}
