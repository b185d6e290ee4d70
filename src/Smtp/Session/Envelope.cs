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

    /// <summary>
    /// MAIL FROM parameters as given (keyword upper-cased → value or null), e.g. SIZE, BODY, SMTPUTF8, RET, ENVID.
    /// </summary>
    public IReadOnlyDictionary<string, string?> MailFromParameters { get; init; } = NoParameters;

    private static readonly IReadOnlyDictionary<string, string?> NoParameters = System.Collections.ObjectModel.ReadOnlyDictionary<string, string?>.Empty;

    /// <summary>Declared body type.</summary>
    public BodyType Body { get; init; }

    /// <summary>True when MAIL FROM carried SMTPUTF8 (RFC 6531).</summary>
    public bool Utf8 { get; init; }

    /// <summary>SIZE= value declared by the client, if any (RFC 1870).</summary>
    public long? DeclaredSize { get; init; }

    /// <summary>
    /// RET= of MAIL FROM (RFC 3461 4.3), upper-cased: "FULL" or "HDRS"; null when not given. Also in
    /// <see cref="MailFromParameters"/> as sent.
    /// </summary>
    public string? Ret { get; init; }

    /// <summary>
    /// ENVID= of MAIL FROM (RFC 3461 4.4): the xtext as received, not decoded (see
    /// <see cref="Protocol.DsnParameters.DecodeXText"/>); null when not given.
    /// </summary>
    public string? EnvelopeId { get; init; }

    /// <summary>
    /// Accepted recipients (forward-paths without angle brackets), in order. Add with <see cref="AddRecipient"/> to keep
    /// <see cref="RecipientParameters"/> in step.
    /// </summary>
    public List<string> Recipients { get; } = [];

    private readonly List<string?> _recipientParameters = [];

    /// <summary>
    /// The RCPT TO parameters of each recipient, parallel to <see cref="Recipients"/>: entry i belongs to
    /// <c>Recipients[i]</c>, as one line in the order given with keywords upper-cased (e.g.
    /// "NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;bob@example.com", RFC 3461 4.1, 4.2), or null when it had none.
    /// Shorter than <see cref="Recipients"/> when recipients were added to that list directly; read with
    /// <see cref="ParametersOf"/>, which treats a missing entry as null.
    /// </summary>
    public IReadOnlyList<string?> RecipientParameters => _recipientParameters;

    /// <summary>Appends a recipient to <see cref="Recipients"/> and its parameters (or null) to <see cref="RecipientParameters"/>.</summary>
    public void AddRecipient(string address, string? parameters)
    {
        ArgumentNullException.ThrowIfNull(address);
        while (_recipientParameters.Count < Recipients.Count) _recipientParameters.Add(null);
        Recipients.Add(address);
        _recipientParameters.Add(parameters);
    }

    /// <summary>The RCPT TO parameters of <c>Recipients[index]</c>, or null when it had none.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="index"/> is not an index of <see cref="Recipients"/>.</exception>
    public string? ParametersOf(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, Recipients.Count);
        return index < _recipientParameters.Count ? _recipientParameters[index] : null;
    }

    /// <summary>Free slot for the handler's per-transaction state (e.g. the SPF check started at MAIL FROM).</summary>
    public object? HandlerState { get; set; }
}
