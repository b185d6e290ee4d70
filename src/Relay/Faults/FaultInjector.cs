using System.Text.Json;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SmarthostLab.Relay.Storage;
using SmarthostLab.Smtp.Session;

namespace SmarthostLab.Relay.Faults;

/// <summary>Why a change of the fault rules was not made.</summary>
public enum FaultChangeError
{
    /// <summary>Made.</summary>
    None,
    /// <summary>The rule is not valid (the errors say why).</summary>
    Invalid,
    /// <summary>A rule of that name exists.</summary>
    Exists,
    /// <summary>No rule of that name.</summary>
    NotFound,
}

/// <summary>
/// The effective fault rules (issue 14): the configured ones (<c>Faults:Rules</c>) less those deleted through the API,
/// then those posted to the API in the order they were posted; API changes are kept in the store and survive a
/// restart. Holds an immutable snapshot (rules by stage) swapped when the rules change, so a session asks without a
/// lock and, with no rule at its stage, without allocating. A rule keeps its counters while it stays in the set.
/// </summary>
public sealed class FaultInjector
{
    private static readonly FaultRule[] None = [];
    private readonly IReadOnlyList<FaultRuleOptions> _configured;
    private readonly IFaultRuleStore _store;
    private readonly ILogger<FaultInjector> _logger;
    private readonly FaultMetrics _metrics;
    private readonly SemaphoreSlim _changeLock = new(1, 1);
    private readonly List<(string Name, FaultRuleOptions? Rule)> _changes = []; // stored changes, oldest first; null: a configured rule deleted
    private volatile Snapshot _snapshot;

    /// <summary>Compiles the configured rules (validated at start); <see cref="LoadAsync"/> adds the stored changes.</summary>
    public FaultInjector(IOptions<FaultsOptions> options, IFaultRuleStore store, FaultMetrics metrics, ILogger<FaultInjector> logger)
    {
        ArgumentNullException.ThrowIfNull(options);
        _metrics = metrics;
        _configured = options.Value.Rules;
        _store = store;
        _logger = logger;
        _snapshot = Build(null);
    }

    /// <summary>Every effective rule, in the order they are tried.</summary>
    public IReadOnlyList<FaultRule> Rules => _snapshot.All;

    /// <summary>The rules acting at <paramref name="stage"/>, in order (empty: nothing to do there).</summary>
    public FaultRule[] RulesAt(SmtpStage stage) => _snapshot.ByStage[(int)stage];

    /// <summary>
    /// The first of <paramref name="rules"/> (those of one stage) that matches <paramref name="subject"/> and hits, its
    /// hit counted; null when none. Rules after the one that hits are not tried (their counters do not move).
    /// </summary>
    public FaultRule? Match(FaultRule[] rules, FaultSubject subject)
    {
        ArgumentNullException.ThrowIfNull(rules);
        foreach (var rule in rules)
        {
            if (!rule.IsMatch(subject) || !rule.TryHit()) continue;
            _metrics.Hit(rule);
            return rule;
        }
        return null;
    }

    /// <summary>The rule named <paramref name="name"/> (case-insensitive), or null.</summary>
    public FaultRule? Get(string name) => _snapshot.All.FirstOrDefault(r => r.Name.Equals(name, StringComparison.OrdinalIgnoreCase));

    /// <summary>Applies the changes kept in the store (once at start, after the store opens).</summary>
    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        var stored = await _store.GetFaultRulesAsync(cancellationToken).ConfigureAwait(false);
        await _changeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _changes.Clear();
            foreach (var change in stored)
            {
                if (change.Json is null)
                {
                    _changes.Add((change.Name, null));
                    continue;
                }
                if (Parse(change.Json, out var rule) is { } problem)
                {
                    FaultLog.StoredRuleInvalid(_logger, change.Name, problem);
                    continue;
                }
                _changes.Add((change.Name, rule));
            }
            _snapshot = Build(_snapshot);
            FaultLog.Loaded(_logger, _snapshot.All.Count, _configured.Count, _changes.Count);
        }
        finally
        {
            _changeLock.Release();
        }
    }

    /// <summary>Adds a rule posted to the API (validated here; the name must be free), persisted; applies to the next stage asked.</summary>
    public async Task<(FaultRule? Rule, FaultChangeError Error, IReadOnlyList<string> Problems)> AddAsync(FaultRuleOptions rule, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(rule);
        var problems = FaultRuleValidator.Validate(rule, FaultRuleValidator.JsonName);
        if (problems.Count > 0) return (null, FaultChangeError.Invalid, problems);
        var compiled = FaultRule.Compile(rule, FaultRuleSource.Api);
        await _changeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (Get(compiled.Name) is { } existing) return (existing, FaultChangeError.Exists, []);
            var json = JsonSerializer.Serialize(compiled.Definition, FaultJson.Context.FaultRuleOptions);
            await _store.SetFaultRuleAsync(compiled.Name, json, cancellationToken).ConfigureAwait(false);
            _changes.RemoveAll(c => c.Name.Equals(compiled.Name, StringComparison.OrdinalIgnoreCase));
            _changes.Add((compiled.Name, compiled.Definition));
            _snapshot = Build(_snapshot, compiled);
            FaultLog.Changed(_logger, compiled.Name, "added");
            return (Get(compiled.Name), FaultChangeError.None, []);
        }
        finally
        {
            _changeLock.Release();
        }
    }

    /// <summary>Removes a rule (a configured one stays hidden across restarts), persisted; null when there is none.</summary>
    public async Task<FaultRule?> RemoveAsync(string name, CancellationToken cancellationToken)
    {
        await _changeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await RemoveLockedAsync(name, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _changeLock.Release();
        }
    }

    /// <summary>Removes every rule, persisted; returns those removed.</summary>
    public async Task<IReadOnlyList<FaultRule>> RemoveAllAsync(CancellationToken cancellationToken)
    {
        await _changeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var removed = new List<FaultRule>();
            foreach (var rule in _snapshot.All)
            {
                if (await RemoveLockedAsync(rule.Name, cancellationToken).ConfigureAwait(false) is { } gone) removed.Add(gone);
            }
            return removed;
        }
        finally
        {
            _changeLock.Release();
        }
    }

    private async Task<FaultRule?> RemoveLockedAsync(string name, CancellationToken cancellationToken)
    {
        if (Get(name) is not { } rule) return null;
        // A configured rule of that name stays hidden (deleted, or replaced by the posted one now removed).
        var configured = _configured.Any(c => string.Equals(c.Name, rule.Name, StringComparison.OrdinalIgnoreCase));
        if (configured) await _store.SetFaultRuleAsync(rule.Name, null, cancellationToken).ConfigureAwait(false);
        else await _store.ClearFaultRuleAsync(rule.Name, cancellationToken).ConfigureAwait(false);
        _changes.RemoveAll(c => c.Name.Equals(rule.Name, StringComparison.OrdinalIgnoreCase));
        if (configured) _changes.Add((rule.Name, null));
        _snapshot = Build(_snapshot);
        FaultLog.Changed(_logger, rule.Name, "removed");
        return rule;
    }

    /// <summary>A stored rule's JSON read back and checked; the problem, or null.</summary>
    private static string? Parse(string json, out FaultRuleOptions? rule)
    {
        rule = null;
        try
        {
            rule = JsonSerializer.Deserialize(json, FaultJson.Context.FaultRuleOptions);
        }
        catch (JsonException exception)
        {
            return exception.Message;
        }
        if (rule is null) return "not a rule";
        var problems = FaultRuleValidator.Validate(rule, FaultRuleValidator.JsonName);
        return problems.Count > 0 ? problems[0] : null;
    }

    /// <summary>The effective rules; those of <paramref name="previous"/> still there keep their object (and counters).</summary>
    private Snapshot Build(Snapshot? previous, FaultRule? added = null)
    {
        var all = new List<FaultRule>();
        var changed = new HashSet<string>(_changes.Select(c => c.Name), StringComparer.OrdinalIgnoreCase);
        foreach (var rule in _configured)
        {
            if (!changed.Contains(rule.Name!)) all.Add(Reuse(previous, rule.Name!, FaultRuleSource.Config) ?? FaultRule.Compile(rule, FaultRuleSource.Config));
        }
        foreach (var (name, rule) in _changes)
        {
            if (rule is null) continue;
            all.Add(added is not null && added.Name.Equals(name, StringComparison.OrdinalIgnoreCase) ? added
                : Reuse(previous, name, FaultRuleSource.Api) ?? FaultRule.Compile(rule, FaultRuleSource.Api));
        }
        var byStage = new FaultRule[Enum.GetValues<SmtpStage>().Length][];
        for (var i = 0; i < byStage.Length; i++)
        {
            var at = all.Where(r => (int)r.Stage == i).ToArray();
            byStage[i] = at.Length == 0 ? None : at;
        }
        return new Snapshot(all, byStage);
    }

    private static FaultRule? Reuse(Snapshot? previous, string name, FaultRuleSource source) =>
        previous?.All.FirstOrDefault(r => r.Source == source && r.Name.Equals(name, StringComparison.OrdinalIgnoreCase));

    private sealed record Snapshot(IReadOnlyList<FaultRule> All, FaultRule[][] ByStage);
}
