namespace SmarthostLab.Verification.Dmarc;

/// <summary>What DMARC policy discovery found (RFC 7489 6.6.3).</summary>
public enum DmarcLookupStatus
{
    /// <summary>No DMARC record (or several: RFC 7489 6.6.3 step 5 then applies no DMARC processing).</summary>
    None,
    /// <summary>A usable record.</summary>
    Found,
    /// <summary>A DNS lookup failed transiently.</summary>
    TempError,
    /// <summary>A DMARC record exists but cannot be used (no valid p= and no rua=, or bad syntax).</summary>
    PermError,
}
