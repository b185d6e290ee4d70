namespace SmarthostLab.Relay.Configuration;

/// <summary>Where an unregistered client IP is refused.</summary>
public enum RefuseAt
{
    /// <summary>In place of the greeting: 554 5.7.1 (default).</summary>
    Connect,
    /// <summary>Greet normally; refuse each RCPT with 550 5.7.1 relaying denied.</summary>
    Rcpt,
}

/// <summary>How a client is admitted (issue 14): by its registered outbound IP, by SMTP AUTH, or by either or both.</summary>
public enum AdmissionMode
{
    /// <summary>By the client IP alone (default); AUTH is not offered.</summary>
    Ip,
    /// <summary>Every client is greeted and must AUTH before MAIL (530 5.7.0); the IP does not matter.</summary>
    Auth,
    /// <summary>A registered IP sends as before; any other client is greeted and must AUTH before MAIL.</summary>
    IpOrAuth,
    /// <summary>Unregistered IPs are refused as in Ip mode; registered ones must also AUTH, with a credential of the IP's account.</summary>
    IpAndAuth,
}

/// <summary>The <c>Admission</c> configuration section.</summary>
public sealed class AdmissionOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Admission";

    /// <summary>Where unregistered clients are refused. Default <see cref="RefuseAt.Connect"/>.</summary>
    public RefuseAt RefuseAt { get; set; } = RefuseAt.Connect;

    /// <summary>IP, AUTH, either or both (issue 14). Default <see cref="AdmissionMode.Ip"/>.</summary>
    public AdmissionMode Mode { get; set; } = AdmissionMode.Ip;

    /// <summary>
    /// Failed AUTH attempts one client IP (IPv6: its network of <c>Smtp:IPv6PrefixLength</c>, /64 by default) may make in <see cref="AuthFailureWindow"/> (a token bucket: the
    /// allowance comes back evenly over the window); past it AUTH gets 421 4.7.0 and the connection is closed. Default 5.
    /// </summary>
    public int MaxAuthFailures { get; set; } = 5;

    /// <summary>The window of <see cref="MaxAuthFailures"/>. Default one minute.</summary>
    public TimeSpan AuthFailureWindow { get; set; } = TimeSpan.FromMinutes(1);
}
