using System.Net;
using SmarthostLab.Smtp.Protocol;

namespace SmarthostLab.Relay.Authentication;

/// <summary>The relay's own AUTH replies (issue 14; RFC 4954 6). 235, 535 and 454 are the SMTP layer's <see cref="AuthReplies"/>.</summary>
public static class AuthenticationReplies
{
    /// <summary>
    /// 530 5.7.0 at MAIL FROM before AUTH where <c>Admission:Mode</c> asks for it; the text says what to do first.
    /// </summary>
    public static SmtpReply Required(bool tlsFirst, IPAddress? unregistered) => new(530, "5.7.0",
        "Authentication required" + (unregistered is null ? "" : $" ({unregistered} is not a registered outbound server)")
        + (tlsFirst ? "; issue STARTTLS, then AUTH" : ""));

    /// <summary>421 4.7.0 to AUTH from a client past <c>Admission:MaxAuthFailures</c>; the connection is closed after it.</summary>
    public static SmtpReply TooManyFailures(string host, IPAddress client) =>
        new(421, "4.7.0", $"{host} too many failed AUTH attempts from {client}, try again later");
}
