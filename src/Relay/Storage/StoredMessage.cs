namespace SmarthostLab.Relay.Storage;

/// <summary>A stored message's metadata (everything but its bytes and transcript).</summary>
public sealed record StoredMessage
{
    /// <summary>Queue id (ULID: sortable, unique).</summary>
    public required string Id { get; init; }
    /// <summary>Admitted account, or null.</summary>
    public string? Account { get; init; }
    /// <summary>Client IP as text.</summary>
    public required string ClientIp { get; init; }
    /// <summary>HELO/EHLO argument.</summary>
    public string? Helo { get; init; }
    /// <summary>TLS protocol name (e.g. Tls13), or null for plaintext.</summary>
    public string? TlsProtocol { get; init; }
    /// <summary>TLS cipher suite, or null.</summary>
    public string? TlsCipher { get; init; }
    /// <summary>The user the session authenticated as with SMTP AUTH (issue 14), or null.</summary>
    public string? AuthenticatedUser { get; init; }
    /// <summary>Reverse-path; empty for the null sender.</summary>
    public required string MailFrom { get; init; }
    /// <summary>MAIL FROM parameters, e.g. "SIZE=1234 BODY=8BITMIME".</summary>
    public string MailFromParameters { get; init; } = "";
    /// <summary>Forward-paths.</summary>
    public required IReadOnlyList<string> Recipients { get; init; }
    /// <summary>Stored octets.</summary>
    public long Size { get; init; }
    /// <summary>When it was received.</summary>
    public DateTimeOffset ReceivedAt { get; init; }
    /// <summary>Subject header, decoded.</summary>
    public string? Subject { get; init; }
    /// <summary>Message-ID header.</summary>
    public string? MessageId { get; init; }
    /// <summary>From header, decoded.</summary>
    public string? From { get; init; }
    /// <summary>Stored but flagged by policy.</summary>
    public bool Quarantined { get; init; }
    /// <summary>Verdict JSON (issue 3), or null.</summary>
    public string? VerdictJson { get; init; }
    /// <summary>SPF result word for filters.</summary>
    public string? Spf { get; init; }
    /// <summary>DKIM result word for filters (the best signature's).</summary>
    public string? Dkim { get; init; }
    /// <summary>DMARC result word for filters.</summary>
    public string? Dmarc { get; init; }
    /// <summary>Action word for filters.</summary>
    public string? Action { get; init; }
    /// <summary>RCPT parameters per recipient (parallel to <see cref="Recipients"/>; null entries for none), e.g. "NOTIFY=FAILURE ORCPT=rfc822;bob@example.com".</summary>
    public IReadOnlyList<string?> RecipientParameters { get; init; } = [];
    /// <summary>For a delivery status notification the relay wrote: the id of the message it reports on.</summary>
    public string? DsnOf { get; init; }
    /// <summary>Per-recipient delivery state (issue 13), filled by reads; empty rows mean "stored".</summary>
    public IReadOnlyList<DeliveryRecord> Delivery { get; init; } = [];
    /// <summary>The row number (messages.seq), filled by reads.</summary>
    internal long Seq { get; init; }

    /// <summary>The parameters of recipient <paramref name="index"/>, or null.</summary>
    public string? ParametersOf(int index) => index < RecipientParameters.Count ? RecipientParameters[index] : null;

    /// <summary>One line per recipient for the recipient_parameters column, or null when no recipient had parameters.</summary>
    internal string? RecipientParametersText() =>
        RecipientParameters.Any(p => !string.IsNullOrEmpty(p)) ? string.Join('\n', Recipients.Select((_, i) => ParametersOf(i) ?? "")) : null;
}
