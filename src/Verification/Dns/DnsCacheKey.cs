namespace SmarthostLab.Verification.Dns;

/// <summary>A cache key: name (compared case-insensitively, trailing dot ignored) and type.</summary>
internal readonly struct DnsCacheKey(string name, DnsRecordType type) : IEquatable<DnsCacheKey>
{
    public string Name { get; } = name.EndsWith('.') ? name[..^1] : name;

    public DnsRecordType Type { get; } = type;

    public bool Equals(DnsCacheKey other) => Type == other.Type && string.Equals(Name, other.Name, StringComparison.OrdinalIgnoreCase);

    public override bool Equals(object? obj) => obj is DnsCacheKey other && Equals(other);

    public override int GetHashCode() => HashCode.Combine(string.GetHashCode(Name, StringComparison.OrdinalIgnoreCase), (int)Type);
}
