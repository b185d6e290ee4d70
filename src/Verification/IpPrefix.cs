using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace SmarthostLab.Verification;

/// <summary>
/// An IPv4 or IPv6 address range in CIDR form (a single address is a /32 or /128), held as a
/// masked 128-bit value so that lookups are a mask and a hash probe. The one prefix matcher of the
/// project: the relay's registered outbound servers, the probe's check of the address the relay saw,
/// and SPF's ip4/ip6/a/mx mechanisms (RFC 7208 5.6).
/// </summary>
/// <param name="IsIPv6">Address family.</param>
/// <param name="Network">The network bits, masked, right-aligned in 128 bits (IPv4 in the low 32).</param>
/// <param name="Length">Prefix length (0-32 or 0-128).</param>
public readonly record struct IpPrefix(bool IsIPv6, UInt128 Network, int Length)
{
    /// <summary>Width of the family in bits.</summary>
    public int Width => IsIPv6 ? 128 : 32;

    /// <summary>Parses <c>192.0.2.10</c>, <c>192.0.2.0/24</c>, <c>2001:db8::/32</c>. Host bits past the prefix are cleared.</summary>
    public static bool TryParse(string? text, out IpPrefix prefix)
    {
        prefix = default;
        if (string.IsNullOrWhiteSpace(text)) return false;
        text = text.Trim();
        var slash = text.IndexOf('/');
        var addressText = slash < 0 ? text : text[..slash];
        if (addressText.Contains('%') || !IPAddress.TryParse(addressText, out var address)) return false;
        if (address.AddressFamily == AddressFamily.InterNetwork && !addressText.Contains('.')) return false;
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        var isV6 = address.AddressFamily == AddressFamily.InterNetworkV6;
        var width = isV6 ? 128 : 32;
        var length = width;
        if (slash >= 0 && (!int.TryParse(text.AsSpan(slash + 1), NumberStyles.None, CultureInfo.InvariantCulture, out length) || length > width))
            return false;
        prefix = new IpPrefix(isV6, Mask(ToUInt128(address), length, width), length);
        return true;
    }

    /// <summary>
    /// The network of <paramref name="address"/> (an IPv4-mapped IPv6 address counts as IPv4) cut to
    /// <paramref name="ipv4Length"/> or <paramref name="ipv6Length"/> bits: the key a client is counted or remembered under.
    /// </summary>
    public static IpPrefix NetworkOf(IPAddress address, int ipv4Length, int ipv6Length)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        var v6 = address.AddressFamily == AddressFamily.InterNetworkV6;
        var width = v6 ? 128 : 32;
        var length = Math.Clamp(v6 ? ipv6Length : ipv4Length, 0, width);
        return new IpPrefix(v6, Mask(ToUInt128(address), length, width), length);
    }

    /// <summary>The 128-bit value of an address (IPv4 in the low 32 bits).</summary>
    public static UInt128 ToUInt128(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out var written);
        return written == 4
            ? BinaryPrimitives.ReadUInt32BigEndian(bytes)
            : BinaryPrimitives.ReadUInt128BigEndian(bytes);
    }

    /// <summary>Clears the bits past <paramref name="length"/> of a value of <paramref name="width"/> bits.</summary>
    public static UInt128 Mask(UInt128 value, int length, int width) =>
        length == 0 ? UInt128.Zero : value & ((UInt128.MaxValue << (128 - length)) >> (128 - width));

    /// <summary>True when <paramref name="address"/> is inside the range (an IPv4-mapped IPv6 address counts as IPv4).</summary>
    public bool Contains(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        if ((address.AddressFamily == AddressFamily.InterNetworkV6) != IsIPv6) return false;
        return Mask(ToUInt128(address), Length, Width) == Network;
    }

    /// <summary>
    /// True when <paramref name="address"/> lies in <paramref name="network"/>/<paramref name="length"/>, both
    /// of the same family as given (no IPv4-mapped translation: SPF decides that itself); false for a length
    /// past the family's width.
    /// </summary>
    public static bool InRange(IPAddress address, IPAddress network, int length)
    {
        if (address.AddressFamily != network.AddressFamily) return false;
        var width = network.AddressFamily == AddressFamily.InterNetworkV6 ? 128 : 32;
        if ((uint)length > (uint)width) return false;
        return Mask(ToUInt128(address), length, width) == Mask(ToUInt128(network), length, width);
    }

    /// <summary>Canonical text: the address alone for a single host, else address/length.</summary>
    public override string ToString()
    {
        IPAddress address;
        if (IsIPv6)
        {
            Span<byte> bytes = stackalloc byte[16];
            BinaryPrimitives.WriteUInt128BigEndian(bytes, Network);
            address = new IPAddress(bytes);
        }
        else
        {
            Span<byte> bytes = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32BigEndian(bytes, (uint)Network);
            address = new IPAddress(bytes);
        }
        return Length == Width ? address.ToString() : $"{address}/{Length}";
    }
}
