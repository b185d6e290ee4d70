namespace SmarthostLab.Smtp.Protocol;

/// <summary>
/// The conditions named by the RCPT TO <c>NOTIFY=</c> parameter (RFC 3461 4.1): <see cref="Never"/> alone, or any
/// combination of <see cref="Success"/>, <see cref="Failure"/> and <see cref="Delay"/>.
/// </summary>
[Flags]
public enum DsnNotify
{
    /// <summary>No NOTIFY parameter: the MTA decides (RFC 3461 4.1: as if FAILURE, or FAILURE,DELAY).</summary>
    None = 0,
    /// <summary>NOTIFY=NEVER: no DSN under any condition; never combined with the others.</summary>
    Never = 1,
    /// <summary>NOTIFY=SUCCESS: a DSN on successful delivery.</summary>
    Success = 2,
    /// <summary>NOTIFY=FAILURE: a DSN on failed delivery.</summary>
    Failure = 4,
    /// <summary>NOTIFY=DELAY: a DSN when delivery is delayed.</summary>
    Delay = 8,
}
