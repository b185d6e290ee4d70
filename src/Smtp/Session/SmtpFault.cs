using SmarthostLab.Smtp.Protocol;

namespace SmarthostLab.Smtp.Session;

/// <summary>
/// A deliberate misbehaviour at one <see cref="SmtpStage"/>, returned by <see cref="ISmtpSessionHandler.OnStageAsync"/>
/// (issue 14: lab fault injection). The session applies it in this order: <see cref="Delay"/>; then
/// <see cref="Close"/> (no reply), or <see cref="CloseAfterOctets"/> (DATA/BDAT), or <see cref="Reply"/> in place of
/// the normal one; the reply sent (the fault's or the normal one) goes out at <see cref="TarpitOctetsPerSecond"/>.
/// A fault reply is a refusal like any other: a refused MAIL starts no transaction, a refused RCPT adds no
/// recipient, a refused end of data stores nothing, and 421 closes the connection after the reply. At
/// <see cref="SmtpStage.Connect"/> a 5xx reply opens a refused session (RFC 5321 3.1: only QUIT is accepted) and a
/// 4xx one closes the connection after it. Instances are immutable and may be shared by many sessions.
/// </summary>
public sealed class SmtpFault
{
    /// <summary>The longest <see cref="Delay"/>, and the longest a tarpitted reply takes in all; longer values are cut to it.</summary>
    public static readonly TimeSpan MaxDelay = TimeSpan.FromMinutes(15);

    /// <summary>The name of the rule that made the fault (transcript notes, logs).</summary>
    public required string Rule { get; init; }

    /// <summary>A 4xx or 5xx reply sent in place of the normal one (text with '\n' for a multi-line reply); null: the normal reply. A positive reply is ignored.</summary>
    public SmtpReply? Reply { get; init; }

    /// <summary>Time to wait before answering (or closing), measured by the session's <see cref="TimeProvider"/>; at most <see cref="MaxDelay"/>, cut short by a stopping host.</summary>
    public TimeSpan Delay { get; init; }

    /// <summary>Close the connection without a reply (after <see cref="Delay"/>).</summary>
    public bool Close { get; init; }

    /// <summary>
    /// DATA and BDAT only: read this many octets of message data (DATA: after the 354; BDAT: of the chunk), or up to
    /// the end of the data if it comes first, then close the connection without a reply; nothing is stored.
    /// </summary>
    public long? CloseAfterOctets { get; init; }

    /// <summary>Write the reply at this many octets per second (0: at once); a stopping host gets the rest at once.</summary>
    public int TarpitOctetsPerSecond { get; init; }

    /// <summary>True when the fault answers in place of the normal reply with a refusal, or closes.</summary>
    public bool Refuses => Close || CloseAfterOctets is not null || Reply is { IsPositive: false };
}
