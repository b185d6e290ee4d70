namespace SmarthostLab.Relay.Storage;

/// <summary>A fault rule change kept in the store (issue 14).</summary>
/// <param name="Name">The rule's name.</param>
/// <param name="Json">The rule posted to the API, as JSON; null: the configured rule of that name was deleted.</param>
/// <param name="ChangedAt">When.</param>
public sealed record StoredFaultRule(string Name, string? Json, DateTimeOffset ChangedAt);

/// <summary>Where fault rule changes are kept: the relay's store.</summary>
public interface IFaultRuleStore
{
    /// <summary>Every stored change, oldest first.</summary>
    Task<IReadOnlyList<StoredFaultRule>> GetFaultRulesAsync(CancellationToken cancellationToken = default);

    /// <summary>Stores a posted rule (<paramref name="json"/>), a deletion of a configured rule (null), replacing any change of that name; completes once committed.</summary>
    Task SetFaultRuleAsync(string name, string? json, CancellationToken cancellationToken = default);

    /// <summary>Forgets the change of <paramref name="name"/> (the configuration's rule, if any, applies again); completes once committed.</summary>
    Task ClearFaultRuleAsync(string name, CancellationToken cancellationToken = default);
}
