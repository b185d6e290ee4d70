using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SmarthostLab.Relay.Configuration;
using SmarthostLab.Relay.Storage;
using SmarthostLab.Verification;

namespace SmarthostLab.Relay.Admission;

/// <summary>
/// Client IP → account. Holds an immutable snapshot (accounts and a longest-prefix table) swapped atomically
/// when the admin API changes an account, so lookups take no lock. Effective outbound servers are the
/// configured ones plus the runtime additions minus the runtime removals stored in the store.
/// </summary>
public sealed class AccountRegistry
{
    private readonly IReadOnlyList<AccountOptions> _configured;
    private readonly IMessageStore _store;
    private readonly ILogger<AccountRegistry> _logger;
    private readonly SemaphoreSlim _changeLock = new(1, 1);
    private readonly Dictionary<(string Account, string Address), bool> _overrides = [];
    private volatile Snapshot _snapshot;

    /// <summary>Builds the registry from the configured accounts (or the built-in sample when none is configured).</summary>
    public AccountRegistry(IOptions<AccountsOptions> options, IMessageStore store, ILogger<AccountRegistry> logger)
    {
        _configured = options.Value.Accounts.Count > 0 ? options.Value.Accounts : [AccountsOptions.Sample()];
        _store = store;
        _logger = logger;
        _snapshot = Build();
    }

    /// <summary>Every account, in configuration order.</summary>
    public IReadOnlyList<Account> Accounts => _snapshot.Accounts;

    /// <summary>The account registering <paramref name="address"/> (longest prefix wins), or null.</summary>
    public Account? Find(IPAddress address) => _snapshot.Table.Find(address);

    /// <summary>The account named <paramref name="name"/> (case-insensitive), or null.</summary>
    public Account? Get(string name) => _snapshot.ByName.GetValueOrDefault(name);

    /// <summary>Applies the runtime changes kept in the store (called once at start, after the store opens).</summary>
    public async Task LoadOverridesAsync(CancellationToken cancellationToken)
    {
        var stored = await _store.GetAccountOverridesAsync(cancellationToken).ConfigureAwait(false);
        await _changeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            _overrides.Clear();
            foreach (var change in stored)
            {
                var account = _configured.FirstOrDefault(a => a.Name.Equals(change.Account, StringComparison.OrdinalIgnoreCase));
                if (account is null || !IpPrefix.TryParse(change.Address, out _))
                {
                    AdmissionLog.OrphanOverride(_logger, change.Account, change.Address);
                    continue;
                }
                _overrides[(account.Name, change.Address)] = change.Added;
            }
            _snapshot = Build();
            AdmissionLog.Loaded(_logger, _snapshot.Accounts.Count, _snapshot.Accounts.Sum(a => a.OutboundServers.Count));
        }
        finally
        {
            _changeLock.Release();
        }
    }

    /// <summary>Registers <paramref name="address"/> for the account, persisted; applies to the next connection.</summary>
    public Task<(Account? Account, AccountChangeError Error)> AddOutboundServerAsync(string name, string address, CancellationToken cancellationToken) =>
        ChangeAsync(name, address, add: true, cancellationToken);

    /// <summary>Unregisters <paramref name="address"/> from the account, persisted; applies to the next connection.</summary>
    public Task<(Account? Account, AccountChangeError Error)> RemoveOutboundServerAsync(string name, string address, CancellationToken cancellationToken) =>
        ChangeAsync(name, address, add: false, cancellationToken);

    private async Task<(Account?, AccountChangeError)> ChangeAsync(string name, string address, bool add, CancellationToken cancellationToken)
    {
        if (!IpPrefix.TryParse(address, out var prefix)) return (null, AccountChangeError.InvalidAddress);
        var canonical = prefix.ToString();
        await _changeLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var options = _configured.FirstOrDefault(a => a.Name.Equals(name, StringComparison.OrdinalIgnoreCase));
            if (options is null) return (null, AccountChangeError.UnknownAccount);
            var current = _snapshot.ByName[options.Name];
            if (!add && !current.OutboundServers.Contains(prefix)) return (current, AccountChangeError.NotRegistered);
            var configured = options.OutboundServers.Select(s => IpPrefix.TryParse(s, out var p) ? p : default).Contains(prefix);
            // The stored override is whatever makes the effective list differ from the configured one; none when they agree.
            bool? state = add == configured ? null : add;
            await _store.SetAccountOverrideAsync(options.Name, canonical, state, cancellationToken).ConfigureAwait(false);
            if (state is null) _overrides.Remove((options.Name, canonical));
            else _overrides[(options.Name, canonical)] = state.Value;
            _snapshot = Build();
            AdmissionLog.Changed(_logger, options.Name, canonical, add ? "added" : "removed");
            return (_snapshot.ByName[options.Name], AccountChangeError.None);
        }
        finally
        {
            _changeLock.Release();
        }
    }

    private Snapshot Build()
    {
        var accounts = new List<Account>(_configured.Count);
        foreach (var options in _configured)
        {
            var servers = new List<IpPrefix>();
            foreach (var text in options.OutboundServers)
            {
                if (IpPrefix.TryParse(text, out var prefix) && !servers.Contains(prefix)
                    && !(_overrides.TryGetValue((options.Name, prefix.ToString()), out var added) && !added))
                    servers.Add(prefix);
            }
            foreach (var ((account, address), added) in _overrides)
            {
                if (added && account == options.Name && IpPrefix.TryParse(address, out var prefix) && !servers.Contains(prefix)) servers.Add(prefix);
            }
            var domains = options.Domains.Select(d => d.Trim().TrimEnd('.').ToLowerInvariant()).Where(d => d.Length > 0).Distinct().ToList();
            accounts.Add(new Account(options.Name, servers, domains, options));
        }
        var table = new PrefixTable<Account>(accounts.SelectMany(a => a.OutboundServers.Select(p => (p, a))));
        var byName = accounts.ToDictionary(a => a.Name, StringComparer.OrdinalIgnoreCase);
        return new Snapshot(accounts, table, byName);
    }

    private sealed record Snapshot(IReadOnlyList<Account> Accounts, PrefixTable<Account> Table, Dictionary<string, Account> ByName);
}
