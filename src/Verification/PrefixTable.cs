using System.Net;
using System.Net.Sockets;

namespace SmarthostLab.Verification;

/// <summary>
/// Longest-prefix match from an IP address to a value: one hash table per prefix length in use,
/// probed from the longest length down. Immutable once built. Relay admission and the probe's client-ip
/// finding both name the account of an address through it.
/// </summary>
/// <typeparam name="T">Value type.</typeparam>
public sealed class PrefixTable<T> where T : class
{
    private readonly (int Length, Dictionary<UInt128, T> Map)[] _v4;
    private readonly (int Length, Dictionary<UInt128, T> Map)[] _v6;

    /// <summary>Builds the table; when two entries have the same prefix, the first wins.</summary>
    public PrefixTable(IEnumerable<(IpPrefix Prefix, T Value)> entries)
    {
        var v4 = new SortedDictionary<int, Dictionary<UInt128, T>>(Comparer<int>.Create((a, b) => b.CompareTo(a)));
        var v6 = new SortedDictionary<int, Dictionary<UInt128, T>>(Comparer<int>.Create((a, b) => b.CompareTo(a)));
        foreach (var (prefix, value) in entries)
        {
            var byLength = prefix.IsIPv6 ? v6 : v4;
            if (!byLength.TryGetValue(prefix.Length, out var map)) byLength[prefix.Length] = map = [];
            map.TryAdd(prefix.Network, value);
        }
        _v4 = [.. v4.Select(p => (p.Key, p.Value))];
        _v6 = [.. v6.Select(p => (p.Key, p.Value))];
    }

    /// <summary>The value of the longest prefix holding <paramref name="address"/>, or null.</summary>
    public T? Find(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6) address = address.MapToIPv4();
        var isV6 = address.AddressFamily == AddressFamily.InterNetworkV6;
        var value = IpPrefix.ToUInt128(address);
        var width = isV6 ? 128 : 32;
        foreach (var (length, map) in isV6 ? _v6 : _v4)
        {
            if (map.TryGetValue(IpPrefix.Mask(value, length, width), out var found)) return found;
        }
        return null;
    }
}
