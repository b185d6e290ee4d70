using System.Collections;
using System.Reflection;
using Microsoft.Extensions.Configuration;
using SmarthostLab.Smtp;
using SmarthostLab.Verification;

namespace SmarthostLab.Relay.Configuration;

/// <summary>
/// The keys the relay reads in its own sections (Smtp, Api, Store, Host, Admission, Verification, Delivery,
/// Accounts), taken from the options classes' public settable properties, so that a misspelled key stops the
/// start instead of being ignored by the binder. Other sections (Logging, …) are not checked.
/// </summary>
public static class ConfigurationKeys
{
    private static readonly Node Root = new ObjectNode(new Dictionary<string, (string Name, Node Node)>(StringComparer.OrdinalIgnoreCase)
    {
        [SmtpOptions.Section] = (SmtpOptions.Section, NodeOf(typeof(SmtpOptions))),
        [ApiOptions.Section] = (ApiOptions.Section, NodeOf(typeof(ApiOptions))),
        [StoreOptions.Section] = (StoreOptions.Section, NodeOf(typeof(StoreOptions))),
        [HostingOptions.Section] = (HostingOptions.Section, NodeOf(typeof(HostingOptions))),
        [AdmissionOptions.Section] = (AdmissionOptions.Section, NodeOf(typeof(AdmissionOptions))),
        [VerificationOptions.Section] = (VerificationOptions.Section, NodeOf(typeof(VerificationOptions), typeof(VerificationSwitchOptions))),
        [DeliveryOptions.Section] = (DeliveryOptions.Section, NodeOf(typeof(DeliveryOptions))),
        [AccountsOptions.Section] = (AccountsOptions.Section, NodeOf(typeof(List<AccountOptions>))),
        [TelemetryOptions.Section] = (TelemetryOptions.Section, NodeOf(typeof(TelemetryOptions))),
        [RateLimitsOptions.Section] = (RateLimitsOptions.Section, NodeOf(typeof(RateLimitsOptions))),
        [GreylistingOptions.Section] = (GreylistingOptions.Section, NodeOf(typeof(GreylistingOptions))),
        [Faults.FaultsOptions.Section] = (Faults.FaultsOptions.Section, NodeOf(typeof(Faults.FaultsOptions))),
    }, Open: true);

    /// <summary>
    /// The first key of the relay's sections that no options class has, as one line
    /// ("Smtp:MaxRecipent: unknown key; did you mean Smtp:MaxRecipients?"), or null.
    /// </summary>
    public static string? FindUnknown(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return Root.FindUnknown(configuration, "");
    }

    private static Node NodeOf(params Type[] types)
    {
        var type = types[0];
        if (types.Length == 1 && IsScalar(type)) return new ScalarNode();
        if (types.Length == 1 && ElementOf(type) is { } element) return new ListNode(NodeOf(element));
        var properties = new Dictionary<string, (string, Node)>(StringComparer.OrdinalIgnoreCase);
        foreach (var property in types.SelectMany(t => t.GetProperties(BindingFlags.Public | BindingFlags.Instance)))
        {
            if (property.SetMethod is { IsPublic: true } && property.GetIndexParameters().Length == 0)
                properties.TryAdd(property.Name, (property.Name, NodeOf(property.PropertyType)));
        }
        return new ObjectNode(properties, Open: false);
    }

    private static bool IsScalar(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        return type.IsPrimitive || type.IsEnum || type == typeof(string) || type == typeof(decimal) || type == typeof(TimeSpan)
            || type == typeof(DateTime) || type == typeof(DateTimeOffset) || type == typeof(Uri) || type == typeof(Guid);
    }

    private static Type? ElementOf(Type type)
    {
        if (type.IsArray) return type.GetElementType();
        if (!typeof(IEnumerable).IsAssignableFrom(type)) return null;
        return type.GetInterfaces().Append(type)
            .FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>))?.GetGenericArguments()[0];
    }

    private abstract record Node
    {
        /// <summary>The first unknown key below <paramref name="section"/>, whose known spelling is <paramref name="path"/>.</summary>
        public abstract string? FindUnknown(IConfiguration section, string path);
    }

    private sealed record ScalarNode : Node
    {
        public override string? FindUnknown(IConfiguration section, string path) =>
            section.GetChildren().FirstOrDefault() is { } child ? $"{child.Path}: unknown key; {path} takes a single value" : null;
    }

    private sealed record ListNode(Node Element) : Node
    {
        public override string? FindUnknown(IConfiguration section, string path)
        {
            if (section is IConfigurationSection { Value: { Length: > 0 } } && !section.GetChildren().Any())
                return $"{path}: a list: give its items as {path}:0, {path}:1, …";
            foreach (var child in section.GetChildren())
            {
                if (!int.TryParse(child.Key, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _))
                    return $"{child.Path}: unknown key; {path} is a list, did you mean {path}:0:{child.Key}?";
                if (Element.FindUnknown(child, $"{path}:{child.Key}") is { } problem) return problem;
            }
            return null;
        }
    }

    /// <param name="Properties">Known keys (any case) with their spelling and node.</param>
    /// <param name="Open">Keys not listed are allowed (the root: Logging and other sections are not the relay's).</param>
    private sealed record ObjectNode(IReadOnlyDictionary<string, (string Name, Node Node)> Properties, bool Open) : Node
    {
        public override string? FindUnknown(IConfiguration section, string path)
        {
            var prefix = path.Length == 0 ? "" : path + ":";
            foreach (var child in section.GetChildren())
            {
                if (Properties.TryGetValue(child.Key, out var known))
                {
                    if (known.Node.FindUnknown(child, prefix + known.Name) is { } problem) return problem;
                }
                else if (!Open)
                {
                    return Nearest(child.Key) is { } nearest
                        ? $"{child.Path}: unknown key; did you mean {prefix}{nearest}?"
                        : $"{child.Path}: unknown key; known keys of {path}: {string.Join(", ", Properties.Values.Select(p => p.Name))}";
                }
            }
            return null;
        }

        /// <summary>The known key closest to <paramref name="key"/> by edit distance, when within a third of its length.</summary>
        private string? Nearest(string key)
        {
            var best = Properties.Values.Select(p => (p.Name, Distance: EditDistance(key, p.Name))).MinBy(p => p.Distance);
            return best.Name is not null && best.Distance <= Math.Max(1, key.Length / 3) ? best.Name : null;
        }
    }

    /// <summary>Levenshtein distance, ignoring case.</summary>
    internal static int EditDistance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++) previous[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var same = char.ToUpperInvariant(a[i - 1]) == char.ToUpperInvariant(b[j - 1]);
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (same ? 0 : 1));
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
