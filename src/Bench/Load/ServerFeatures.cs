namespace SmarthostLab.Bench.Load;

/// <summary>ESMTP extensions the server listed in its EHLO reply that the load generator uses.</summary>
[Flags]
public enum ServerFeatures
{
    /// <summary>None of them.</summary>
    None = 0,
    /// <summary>PIPELINING (RFC 2920).</summary>
    Pipelining = 1,
    /// <summary>CHUNKING, i.e. BDAT (RFC 3030).</summary>
    Chunking = 2,
    /// <summary>STARTTLS (RFC 3207).</summary>
    StartTls = 4,
    /// <summary>SIZE (RFC 1870).</summary>
    Size = 8,
}
