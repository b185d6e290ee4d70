namespace SmarthostLab.Smtp.Session;

/// <summary>The body type declared with MAIL FROM BODY= (RFC 6152, RFC 3030).</summary>
public enum BodyType
{
    /// <summary>No BODY parameter, or BODY=7BIT.</summary>
    SevenBit,
    /// <summary>BODY=8BITMIME (RFC 6152).</summary>
    EightBitMime,
    /// <summary>BODY=BINARYMIME (RFC 3030); only valid with BDAT.</summary>
    BinaryMime,
}

/// <summary>
/// One mail transaction (RFC 5321 3.3): the reverse-path, its parameters and the forward-paths
/// accepted so far. Reset by RSET, HELO/EHLO and the end of each message.
/// </summary>
public sealed class Envelope
{
    /// <summary>The reverse-path without angle brackets; empty string for the null sender &lt;&gt;.</summary>
    public required string MailFrom { get; init; }

    /// <summary>MAIL FROM parameters as given (keyword upper-cased → value or null), e.g. SIZE, BODY, SMTPUTF8.</summary>
    public IReadOnlyDictionary<string, string?> MailFromParameters { get; init; } = NoParameters;

    private static readonly IReadOnlyDictionary<string, string?> NoParameters = System.Collections.ObjectModel.ReadOnlyDictionary<string, string?>.Empty;

    /// <summary>Declared body type.</summary>
    public BodyType Body { get; init; }

    /// <summary>True when MAIL FROM carried SMTPUTF8 (RFC 6531).</summary>
    public bool Utf8 { get; init; }

    /// <summary>SIZE= value declared by the client, if any (RFC 1870).</summary>
    public long? DeclaredSize { get; init; }

    /// <summary>Accepted recipients (forward-paths without angle brackets), in order.</summary>
    public List<string> Recipients { get; } = [];

    /// <summary>Free slot for the handler's per-transaction state (e.g. the SPF check started at MAIL FROM).</summary>
    public object? HandlerState { get; set; }
}
