namespace SmarthostLab.Verification.Dmarc;

/// <summary>Requested Mail Receiver policy, p= and sp= (RFC 7489 6.3).</summary>
public enum DmarcPolicy
{
    /// <summary>No specific action.</summary>
    None,
    /// <summary>Treat failing mail as suspicious.</summary>
    Quarantine,
    /// <summary>Reject failing mail during the SMTP transaction.</summary>
    Reject,
}
