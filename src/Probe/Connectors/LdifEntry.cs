namespace SmarthostLab.Probe.Connectors;

/// <summary>One LDIF record: its DN and attribute values (attribute names case-insensitive, values in file order).</summary>
public sealed class LdifEntry
{
    /// <summary>Creates an entry for <paramref name="dn"/>.</summary>
    public LdifEntry(string dn)
    {
        Dn = dn;
    }

    /// <summary>Distinguished name.</summary>
    public string Dn { get; }

    /// <summary>Attribute values by attribute name.</summary>
    public Dictionary<string, List<string>> Attributes { get; } = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>All values of <paramref name="name"/> (empty when absent).</summary>
    public IReadOnlyList<string> Values(string name)
        => Attributes.TryGetValue(name, out var values) ? values : [];

    /// <summary>The first value of <paramref name="name"/>, or null.</summary>
    public string? First(string name)
        => Attributes.TryGetValue(name, out var values) && values.Count > 0 ? values[0] : null;

    /// <summary>True when objectClass lists <paramref name="objectClass"/>.</summary>
    public bool IsA(string objectClass)
        => Values("objectClass").Any(v => v.Equals(objectClass, StringComparison.OrdinalIgnoreCase));

    internal void Add(string name, string value)
    {
        if (!Attributes.TryGetValue(name, out var values))
        {
            values = [];
            Attributes[name] = values;
        }

        values.Add(value);
    }
}
