namespace SmarthostLab.Probe.Send;

/// <summary>What the MTA said to the probe's submission.</summary>
/// <param name="Accepted">True when the MTA took the message (250 after DATA).</param>
/// <param name="Reply">The MTA's final reply text (or the refusal).</param>
/// <param name="StatusCode">SMTP status code of a refusal (0 when none).</param>
/// <param name="Stage">Where a refusal happened: connect, tls, auth, mail, rcpt, data, session.</param>
/// <param name="ProbeTls">TLS protocol and cipher between the probe and the MTA, or null.</param>
public sealed record SubmissionResult(bool Accepted, string Reply, int StatusCode, string Stage, string? ProbeTls);
