namespace SmarthostLab.Verification.Dmarc;

/// <summary>Identifier alignment mode, adkim= and aspf= (RFC 7489 3.1).</summary>
public enum DmarcAlignmentMode
{
    /// <summary>Organizational domains must match (the default).</summary>
    Relaxed,
    /// <summary>Domains must be identical.</summary>
    Strict,
}
