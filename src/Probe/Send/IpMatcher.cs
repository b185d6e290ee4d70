using System.Net;

namespace SmarthostLab.Probe.Send;

/// <summary>Matches an IP against registered outbound servers written as addresses or CIDR ranges.</summary>
public static class IpMatcher
{
    /// <summary>True when <paramref name="ip"/> is <paramref name="entry"/> or inside it.</summary>
    public static bool Matches(string ip, string entry)
    {
        if (!IPAddress.TryParse(ip, out var address))
        {
            return false;
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        var text = entry.Trim();
        if (!text.Contains('/', StringComparison.Ordinal))
        {
            return IPAddress.TryParse(text, out var single) && single.Equals(address);
        }

        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (!IPAddress.TryParse(text[..slash], out var prefix) || !int.TryParse(text[(slash + 1)..], out var bits))
        {
            return false;
        }

        var a = address.GetAddressBytes();
        var p = prefix.GetAddressBytes();
        if (a.Length != p.Length || bits < 0 || bits > a.Length * 8)
        {
            return false;
        }

        // Compare whole bytes, then the remaining high bits (host bits in the entry are ignored).
        var whole = bits / 8;
        for (var i = 0; i < whole; i++)
        {
            if (a[i] != p[i])
            {
                return false;
            }
        }

        var rest = bits % 8;
        if (rest == 0)
        {
            return true;
        }

        var mask = (byte)(0xFF << (8 - rest));
        return (a[whole] & mask) == (p[whole] & mask);
    }
}
