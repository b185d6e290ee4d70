using SmarthostLab.Relay.Admission;

namespace SmarthostLab.Relay.Session;

/// <summary>The relay's per-session state, kept in <c>SessionContext.HandlerState</c>.</summary>
internal sealed class RelaySessionState
{
    /// <summary>The admitted account, or null for an unregistered client (when refused at RCPT).</summary>
    public Account? Account { get; init; }

    /// <summary>The account of the credential the session authenticated with (AUTH), or null.</summary>
    public Account? AuthenticatedAccount { get; set; }

    /// <summary>Reverse-path of the current transaction, recorded with refusals.</summary>
    public string? MailFrom { get; set; }

    /// <summary>The account's open-connection slot (<c>Accounts:N:Limits:ConcurrentConnections</c>), released when the session closes.</summary>
    public IDisposable? ConnectionLease { get; set; }

    /// <summary>Refusals of this session seen by the log (only the first few are written).</summary>
    public int RefusalsLogged { get; set; }
}
