using System.Text.Json.Serialization;

namespace SmarthostLab.Contracts;

/// <summary>SPF results (RFC 7208 2.6), serialized as the RFC's lower-case words.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<SpfResult>))]
public enum SpfResult
{
    /// <summary>No SPF record, or no checkable identity.</summary>
    [JsonStringEnumMemberName("none")] None,
    /// <summary>The record states nothing about the IP.</summary>
    [JsonStringEnumMemberName("neutral")] Neutral,
    /// <summary>The IP is authorized.</summary>
    [JsonStringEnumMemberName("pass")] Pass,
    /// <summary>The IP is not authorized.</summary>
    [JsonStringEnumMemberName("fail")] Fail,
    /// <summary>Probably not authorized.</summary>
    [JsonStringEnumMemberName("softfail")] SoftFail,
    /// <summary>A transient (DNS) error.</summary>
    [JsonStringEnumMemberName("temperror")] TempError,
    /// <summary>The record could not be interpreted.</summary>
    [JsonStringEnumMemberName("permerror")] PermError,
}

/// <summary>DKIM results per signature (RFC 8601 2.7.1), lower-case words.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<DkimResult>))]
public enum DkimResult
{
    /// <summary>The signature verified.</summary>
    [JsonStringEnumMemberName("pass")] Pass,
    /// <summary>The signature did not verify (body hash or signature mismatch).</summary>
    [JsonStringEnumMemberName("fail")] Fail,
    /// <summary>The signature could not be processed for a reason not covered elsewhere (e.g. rsa-sha1 rejected by policy).</summary>
    [JsonStringEnumMemberName("neutral")] Neutral,
    /// <summary>Verified, but unacceptable by local policy.</summary>
    [JsonStringEnumMemberName("policy")] Policy,
    /// <summary>Key could not be fetched for a transient reason.</summary>
    [JsonStringEnumMemberName("temperror")] TempError,
    /// <summary>Malformed signature, missing or bad key record.</summary>
    [JsonStringEnumMemberName("permerror")] PermError,
}

/// <summary>DMARC results (RFC 7489 11.2), lower-case words.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<DmarcResult>))]
public enum DmarcResult
{
    /// <summary>No DMARC record (or no usable From domain).</summary>
    [JsonStringEnumMemberName("none")] None,
    /// <summary>An aligned SPF or DKIM pass.</summary>
    [JsonStringEnumMemberName("pass")] Pass,
    /// <summary>Neither identifier aligned with a pass.</summary>
    [JsonStringEnumMemberName("fail")] Fail,
    /// <summary>A transient error looking up the record.</summary>
    [JsonStringEnumMemberName("temperror")] TempError,
    /// <summary>The record or the From header could not be interpreted.</summary>
    [JsonStringEnumMemberName("permerror")] PermError,
}

/// <summary>What the relay did with the message, after its account's policy.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<VerdictAction>))]
public enum VerdictAction
{
    /// <summary>Stored; authentication passed or was not required.</summary>
    [JsonStringEnumMemberName("accept")] Accept,
    /// <summary>Stored and tagged as failing DMARC.</summary>
    [JsonStringEnumMemberName("tag")] Tag,
    /// <summary>Stored and flagged as quarantined.</summary>
    [JsonStringEnumMemberName("quarantine")] Quarantine,
    /// <summary>Refused with 550 5.7.26 (or 451 4.4.3 on temperror); not stored.</summary>
    [JsonStringEnumMemberName("reject")] Reject,
}

/// <summary>One SPF evaluation (RFC 7208 check_host()).</summary>
/// <param name="Result">The result.</param>
/// <param name="Domain">The domain checked (MAIL FROM domain, or the HELO name for a null sender).</param>
/// <param name="Ip">The IP address checked.</param>
/// <param name="Identity">"mailfrom" or "helo" (RFC 7208 2.3/2.4).</param>
/// <param name="Explanation">The exp= text on fail, if any.</param>
/// <param name="Reason">One-line reason: the mechanism that matched, or the error.</param>
/// <param name="Record">The SPF record that decided (the checked domain's, or its redirect= target's); null when no record decided (none, errors).</param>
/// <param name="Mechanism">The mechanism of <paramref name="Record"/> that matched, as written (e.g. <c>include:_spf.example</c>, <c>-all</c>); null when none matched (neutral by default) or no record decided.</param>
/// <param name="RecordDomain">The domain that published <paramref name="Record"/> (differs from <paramref name="Domain"/> after a redirect=).</param>
public sealed record SpfVerdict(SpfResult Result, string Domain, string Ip, string Identity, string? Explanation = null, string? Reason = null,
    string? Record = null, string? Mechanism = null, string? RecordDomain = null);

/// <summary>One DKIM-Signature header's evaluation, in header order.</summary>
/// <param name="Result">The result.</param>
/// <param name="Domain">d= (null when the signature is too malformed to have one).</param>
/// <param name="Selector">s=.</param>
/// <param name="Algorithm">a= as written (rsa-sha256, ed25519-sha256, rsa-sha1).</param>
/// <param name="Reason">One-line reason for anything but pass; null on pass.</param>
/// <param name="Identity">i= if present.</param>
public sealed record DkimVerdict(DkimResult Result, string? Domain, string? Selector, string? Algorithm, string? Reason = null, string? Identity = null);

/// <summary>The DMARC evaluation (RFC 7489).</summary>
/// <param name="Result">The result.</param>
/// <param name="Policy">The applied policy (p=, or sp= for a subdomain): none, quarantine, reject; null when no record.</param>
/// <param name="FromDomain">RFC5322.From domain; null when zero or several (see Reason).</param>
/// <param name="OrgDomain">Organizational domain of the From domain (Public Suffix List).</param>
/// <param name="SpfAligned">An SPF pass (egress evaluation) whose MAIL FROM domain aligns with the From domain.</param>
/// <param name="DkimAligned">A DKIM pass whose d= aligns with the From domain.</param>
/// <param name="Disposition">What a receiver would do: none, quarantine or reject (after pct).</param>
/// <param name="Reason">Errors found while parsing the record, or why the result is what it is.</param>
/// <param name="Record">The DMARC record text used, if any.</param>
public sealed record DmarcVerdict(
    DmarcResult Result,
    string? Policy,
    string? FromDomain,
    string? OrgDomain,
    bool SpfAligned,
    bool DkimAligned,
    string Disposition,
    string? Reason = null,
    string? Record = null);

/// <summary>
/// The verdict of one message: stored with it and returned by the API under <c>verdict</c>.
/// </summary>
/// <param name="Spf">SPF for the relay's egress address (what receivers will see after forwarding); DMARC uses this one.</param>
/// <param name="SpfClient">SPF for the client IP (does the customer's record cover its own server?).</param>
/// <param name="SpfHelo">SPF for the HELO identity on its own, when evaluated.</param>
/// <param name="Dkim">One entry per DKIM-Signature header, in header order; empty when unsigned.</param>
/// <param name="Dmarc">DMARC.</param>
/// <param name="Action">What the relay did.</param>
public sealed record Verdict(
    SpfVerdict Spf,
    SpfVerdict SpfClient,
    SpfVerdict? SpfHelo,
    IReadOnlyList<DkimVerdict> Dkim,
    DmarcVerdict Dmarc,
    VerdictAction Action);
