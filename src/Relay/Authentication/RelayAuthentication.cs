using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SmarthostLab.Relay.Admission;
using SmarthostLab.Relay.Configuration;
using SmarthostLab.Relay.Session;
using SmarthostLab.Smtp;
using SmarthostLab.Smtp.Protocol;
using SmarthostLab.Smtp.Session;

namespace SmarthostLab.Relay.Authentication;

/// <summary>What <see cref="RelayAuthentication.Authenticate"/> decided.</summary>
/// <param name="Account">The credential's account when the credentials are good; else null.</param>
/// <param name="Reply">The refusal (535 5.7.8, 421 4.7.0) when they are not; null for 235.</param>
/// <param name="Reason">The refusal's recorded reason: auth-failed, auth-account-mismatch, auth-rate.</param>
public readonly record struct AuthenticationOutcome(Account? Account, SmtpReply? Reply, string? Reason);

/// <summary>
/// SMTP AUTH for the relay (issue 14): the credentials of every account (<c>Accounts:N:Credentials</c>), the
/// <c>Admission:Mode</c> rules (who must AUTH before MAIL, whose account a session sends for) and the per-client limit of
/// failed attempts. The session handler asks it; it keeps no per-session state.
/// </summary>
public sealed class RelayAuthentication
{
    private readonly Dictionary<string, (string Account, StoredPassword Password)> _credentials = new(StringComparer.Ordinal);
    private readonly StoredPassword _unknownUser;
    private readonly AccountRegistry _accounts;
    private readonly AuthFailureLimiter _limiter;
    private readonly AdmissionOptions _admission;
    private readonly bool _tlsRequired;
    private readonly string _host;
    private readonly ILogger<RelayAuthentication> _logger;

    /// <summary>Reads the credentials of the configured accounts (validated at start).</summary>
    public RelayAuthentication(IOptions<AdmissionOptions> admission, AccountRegistry accounts, IOptions<SmtpOptions> smtp, RelayHostName host,
        TimeProvider time, ILogger<RelayAuthentication> logger)
    {
        _admission = admission.Value;
        _accounts = accounts;
        _tlsRequired = !smtp.Value.AllowAuthWithoutTls;
        _host = host.Value;
        _logger = logger;
        _limiter = new AuthFailureLimiter(time, _admission.MaxAuthFailures, _admission.AuthFailureWindow, smtp.Value.IPv6PrefixLength);
        foreach (var account in accounts.Accounts)
        {
            foreach (var credential in account.Options.Credentials)
            {
                if (StoredPassword.TryParse(credential.Password, out var password, out _)) _credentials.TryAdd(credential.User, (account.Name, password));
            }
        }
        _unknownUser = StoredPassword.Unmatchable(_credentials.Values.Select(c => c.Password.Iterations).DefaultIfEmpty(0).Max());
        if (_credentials.Count > 0 && Mode == AdmissionMode.Ip) AuthLog.CredentialsUnused(logger);
    }

    /// <summary><c>Admission:Mode</c>.</summary>
    public AdmissionMode Mode => _admission.Mode;

    /// <summary>AUTH is offered: a mode that uses it, and some account has credentials.</summary>
    public bool IsOffered => Mode != AdmissionMode.Ip && _credentials.Count > 0;

    /// <summary>Every client must AUTH before MAIL (Auth, IpAndAuth); in IpOrAuth only unregistered ones.</summary>
    public bool IsRequired => Mode is AdmissionMode.Auth or AdmissionMode.IpAndAuth;

    /// <summary>The mechanisms EHLO lists (under TLS unless Smtp:AllowAuthWithoutTls), none when AUTH is not offered.</summary>
    public IReadOnlyList<string> Mechanisms => IsOffered ? [Sasl.Plain, Sasl.Login] : [];

    /// <summary>Unregistered clients are greeted (Auth, IpOrAuth) instead of refused as <c>Admission:RefuseAt</c> says.</summary>
    public bool GreetsUnregistered => Mode is AdmissionMode.Auth or AdmissionMode.IpOrAuth;

    /// <summary>The limit of failed attempts (exposed for tests).</summary>
    public AuthFailureLimiter Limiter => _limiter;

    /// <summary>530 5.7.0 when this session must AUTH before MAIL and has not; else null.</summary>
    public SmtpReply? RequiredReply(SessionContext session, Account? ipAccount)
    {
        if (session.AuthenticatedUser is not null) return null;
        var required = IsRequired || (Mode == AdmissionMode.IpOrAuth && ipAccount is null);
        if (!required) return null;
        return AuthenticationReplies.Required(_tlsRequired && session.TlsProtocol is null, ipAccount is null && Mode != AdmissionMode.Auth ? session.RemoteIp : null);
    }

    /// <summary>
    /// The account a session sends for: its credential's once authenticated, else the IP's where the mode admits by IP
    /// (Ip, IpOrAuth); null otherwise.
    /// </summary>
    public Account? AccountOf(SessionContext session, Account? ipAccount, Account? authenticated)
    {
        if (session.AuthenticatedUser is not null && authenticated is not null) return authenticated;
        return Mode is AdmissionMode.Ip or AdmissionMode.IpOrAuth ? ipAccount : null;
    }

    /// <summary>
    /// Checks credentials: 421 4.7.0 (closing) for a client past its failed attempts, without looking at them; 535 5.7.8
    /// for an unknown user, a wrong password, an authorization identity other than the user, or (IpAndAuth) a
    /// credential of another account than the client IP's. Each 535 counts as a failed attempt.
    /// </summary>
    public AuthenticationOutcome Authenticate(IPAddress client, Account? ipAccount, string authorizationId, string user, string password)
    {
        if (_limiter.IsLockedOut(client))
            return new(null, AuthenticationReplies.TooManyFailures(_host, client), "auth-rate");
        var known = _credentials.TryGetValue(user, out var credential);
        var matches = (known ? credential.Password : _unknownUser).Verify(password) && known;
        string? detail = !known ? "unknown user"
            : !matches ? "wrong password"
            : authorizationId.Length > 0 && authorizationId != user ? $"authorization identity '{authorizationId}' is not the user"
            : null;
        var account = detail is null ? _accounts.Get(credential.Account) : null;
        var reason = "auth-failed";
        if (detail is null && Mode == AdmissionMode.IpAndAuth && !string.Equals(ipAccount?.Name, account?.Name, StringComparison.OrdinalIgnoreCase))
        {
            detail = $"the credential is account {account?.Name}'s, the client IP is {(ipAccount is null ? "registered by no account" : "account " + ipAccount.Name + "'s")}";
            reason = "auth-account-mismatch";
        }
        if (detail is null && account is not null) return new(account, null, null);
        AuthLog.Refused(_logger, client.ToString(), Printable(user), reason, Printable(detail ?? "account gone"));
        _limiter.RecordFailure(client);
        if (_limiter.IsLockedOut(client)) AuthLog.LockedOut(_logger, client.ToString(), _admission.MaxAuthFailures, _admission.AuthFailureWindow);
        return new(null, AuthReplies.InvalidCredentials, reason);
    }

    /// <summary>Text from the client for a log line: control characters as '?', at most 100 characters.</summary>
    private static string Printable(string text) =>
        new([.. (text.Length > 100 ? text[..100] : text).Select(c => char.IsControl(c) ? '?' : c)]);
}
