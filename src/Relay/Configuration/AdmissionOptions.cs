namespace SmarthostLab.Relay.Configuration;

/// <summary>Where an unregistered client IP is refused.</summary>
public enum RefuseAt
{
    /// <summary>In place of the greeting: 554 5.7.1 (default).</summary>
    Connect,
    /// <summary>Greet normally; refuse each RCPT with 550 5.7.1 relaying denied.</summary>
    Rcpt,
}

/// <summary>The <c>Admission</c> configuration section.</summary>
public sealed class AdmissionOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Admission";

    /// <summary>Where unregistered clients are refused. Default <see cref="RefuseAt.Connect"/>.</summary>
    public RefuseAt RefuseAt { get; set; } = RefuseAt.Connect;
}
