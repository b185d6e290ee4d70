using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace SmarthostLab.Relay.Faults;

/// <summary>
/// Source-generated JSON of the fault API and store: camelCase, unset fields left out, and unknown fields refused
/// (a misspelled field would otherwise be ignored and the rule match more than meant).
/// </summary>
[JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow, NumberHandling = JsonNumberHandling.Strict)]
[JsonSerializable(typeof(FaultRuleOptions))]
[JsonSerializable(typeof(FaultRuleResponse))]
[JsonSerializable(typeof(FaultListResponse))]
public sealed partial class FaultJsonContext : JsonSerializerContext;

/// <summary>The context with the API's options.</summary>
public static class FaultJson
{
    /// <summary>The source-generated context (relaxed escaping, as the rest of the API).</summary>
    public static FaultJsonContext Context { get; } = new(new JsonSerializerOptions(JsonSerializerDefaults.Web)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        NumberHandling = JsonNumberHandling.Strict,
    });
}

/// <summary>One rule as <c>GET /api/v1/faults</c> shows it.</summary>
/// <param name="Name">The rule's name.</param>
/// <param name="Source">"config" or "api".</param>
/// <param name="Hits">Hits since the rule was loaded or posted.</param>
/// <param name="Matches">Matches (hits or not) in that time.</param>
/// <param name="Rule">The rule, as it would be posted.</param>
public sealed record FaultRuleResponse(string Name, string Source, long Hits, long Matches, FaultRuleOptions Rule)
{
    /// <summary>The view of <paramref name="rule"/>.</summary>
    public static FaultRuleResponse Of(FaultRule rule)
    {
        ArgumentNullException.ThrowIfNull(rule);
        return new(rule.Name, rule.Source == FaultRuleSource.Config ? "config" : "api", rule.Hits, rule.Matches, rule.Definition);
    }
}

/// <summary><c>{"rules":[…]}</c>.</summary>
/// <param name="Rules">Every effective rule in the order they are tried.</param>
public sealed record FaultListResponse(IReadOnlyList<FaultRuleResponse> Rules);
