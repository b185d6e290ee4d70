using System.Net;
using System.Net.Sockets;
using System.Text;

namespace SmarthostLab.Verification.Spf;

/// <summary>Client-address helpers: reverse names and macro forms of %{i} (RFC 7208 7.3); prefix matching is <see cref="IpPrefix.InRange"/>.</summary>
internal static class SpfAddress
{
    /// <summary>IPv4-mapped IPv6 addresses are treated as IPv4 (RFC 7208 5 / 4.6.2 practice).</summary>
    public static IPAddress Normalize(IPAddress ip) => ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip;

    /// <summary>%{i}: dotted quad for IPv4, dot-separated nibbles for IPv6.</summary>
    public static string MacroForm(IPAddress ip)
    {
        if (ip.AddressFamily == AddressFamily.InterNetwork)
        {
            return ip.ToString();
        }

        Span<byte> bytes = stackalloc byte[16];
        ip.TryWriteBytes(bytes, out _);
        var builder = new StringBuilder(63);
        for (var i = 0; i < 16; i++)
        {
            if (i > 0)
            {
                builder.Append('.');
            }

            builder.Append(Hex(bytes[i] >> 4)).Append('.').Append(Hex(bytes[i] & 0xF));
        }

        return builder.ToString();
    }

    /// <summary>The in-addr.arpa / ip6.arpa name for a PTR lookup.</summary>
    public static string ReverseName(IPAddress ip)
    {
        Span<byte> bytes = stackalloc byte[16];
        ip.TryWriteBytes(bytes, out var length);
        var builder = new StringBuilder(73);
        if (ip.AddressFamily == AddressFamily.InterNetwork)
        {
            for (var i = length - 1; i >= 0; i--)
            {
                builder.Append(bytes[i]).Append('.');
            }

            return builder.Append("in-addr.arpa").ToString();
        }

        for (var i = length - 1; i >= 0; i--)
        {
            builder.Append(Hex(bytes[i] & 0xF)).Append('.').Append(Hex(bytes[i] >> 4)).Append('.');
        }

        return builder.Append("ip6.arpa").ToString();
    }

    private static char Hex(int nibble) => (char)(nibble < 10 ? '0' + nibble : 'a' + nibble - 10);
}
