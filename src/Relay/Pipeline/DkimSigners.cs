using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SmarthostLab.Relay.Admission;
using SmarthostLab.Relay.Configuration;
using SmarthostLab.Verification.Dkim;

namespace SmarthostLab.Relay.Pipeline;

/// <summary>
/// The accounts' DKIM signing keys (<c>Accounts:N:Dkim</c>), loaded once at start. A message is signed with
/// the key of its account whose domain is the RFC 5322.From domain, or else a parent of it (d= then aligns
/// with the From domain under relaxed DMARC alignment, RFC 7489 3.1.1); the MAIL FROM domain plays no part,
/// because only a signature aligned with From helps DMARC.
/// </summary>
public sealed class DkimSigners
{
    private readonly Dictionary<string, DkimMessageSigner[]> _byAccount = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Loads every configured key.</summary>
    /// <exception cref="FormatException">A key file holds no usable key (the options validator reports this first, naming the key).</exception>
    public DkimSigners(IOptions<AccountsOptions> accounts, TimeProvider time, ILogger<DkimSigners> logger)
    {
        var loaded = new List<string>();
        foreach (var account in accounts.Value.Accounts)
        {
            if (account.Dkim.Count == 0) continue;
            _byAccount[account.Name] = [.. account.Dkim.Select(k => new DkimMessageSigner(DkimSigningKey.LoadPem(k.PrivateKeyFile, k.Domain, k.Selector), time))];
            loaded.AddRange(account.Dkim.Select(k => $"{account.Name}:{k.Selector}._domainkey.{k.Domain}"));
        }
        if (loaded.Count > 0) VerificationLog.KeysLoaded(logger, string.Join(", ", loaded));
    }

    /// <summary>True when <paramref name="account"/> has any signing key (saves parsing headers for accounts without).</summary>
    public bool HasKeys(string account) => _byAccount.ContainsKey(account);

    /// <summary>The signer for a message of <paramref name="account"/> whose From domain is <paramref name="fromDomain"/>, or null.</summary>
    public DkimMessageSigner? Find(string account, string? fromDomain)
    {
        if (fromDomain is null || !_byAccount.TryGetValue(account, out var signers)) return null;
        var domain = fromDomain.TrimEnd('.');
        foreach (var signer in signers)
        {
            if (signer.Key.Domain.Equals(domain, StringComparison.OrdinalIgnoreCase)) return signer;
        }
        foreach (var signer in signers)
        {
            if (Account.IsSubdomainOf(domain, signer.Key.Domain)) return signer;
        }
        return null;
    }
}
