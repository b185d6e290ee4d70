using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using SmarthostLab.Smtp.Session;

namespace SmarthostLab.Relay.Session;

/// <summary>
/// The trace header the relay prepends to each message (RFC 5321 4.4, protocol words from RFC 3848 and RFC 6531):
/// <c>Received: from HELO (unknown [IP]) by HOST (SmarthostLab) with ESMTPS id ID (using TLSv1.3 with cipher C) for &lt;RCPT&gt;; DATE</c>.
/// </summary>
public static class ReceivedHeader
{
    /// <summary>The header, folded, ending with CRLF.</summary>
    public static string Format(SessionContext session, Envelope envelope, string hostName, string queueId, DateTimeOffset time)
    {
        var builder = new StringBuilder(256);
        builder.Append("Received: from ").Append(Clean(session.Helo ?? "unknown"))
            .Append(" (unknown [").Append(AddressLiteral(session.RemoteIp)).Append("])\r\n");
        builder.Append("\tby ").Append(hostName).Append(" (SmarthostLab) with ").Append(Protocol(session, envelope))
            .Append(" id ").Append(queueId);
        if (session.TlsProtocol is { } tls)
            builder.Append("\r\n\t(using ").Append(TlsName(tls)).Append(" with cipher ").Append(Clean(session.TlsCipher ?? "unknown")).Append(')');
        if (envelope.Recipients.Count == 1)
            builder.Append("\r\n\tfor <").Append(Clean(envelope.Recipients[0])).Append('>');
        builder.Append("; ").Append(Rfc5322Date(time)).Append("\r\n");
        return builder.ToString();
    }

    /// <summary>
    /// The "with" protocol: SMTP, ESMTP, ESMTPS, ESMTPA, ESMTPSA (RFC 3848: S under TLS, A after SMTP AUTH), or
    /// UTF8SMTP, UTF8SMTPS, UTF8SMTPA, UTF8SMTPSA when SMTPUTF8 was used (RFC 6531 3.7.3).
    /// </summary>
    public static string Protocol(SessionContext session, Envelope envelope)
    {
        var suffix = (session.TlsProtocol is not null ? "S" : "") + (session.AuthenticatedUser is not null ? "A" : "");
        if (envelope.Utf8) return "UTF8SMTP" + suffix;
        return session.IsExtended ? "ESMTP" + suffix : (session.TlsProtocol is not null ? "SMTPS" : "SMTP");
    }

    /// <summary>TLS protocol as OpenSSL names it (TLSv1.3).</summary>
    public static string TlsName(SslProtocols protocol) => protocol switch
    {
        SslProtocols.Tls13 => "TLSv1.3",
        SslProtocols.Tls12 => "TLSv1.2",
#pragma warning disable SYSLIB0039 // named only, never negotiated on purpose
        SslProtocols.Tls11 => "TLSv1.1",
        SslProtocols.Tls => "TLSv1",
#pragma warning restore SYSLIB0039
        _ => protocol.ToString(),
    };

    /// <summary>RFC 5322 3.3 date-time in UTC, e.g. "Mon, 23 Nov 2026 11:07:00 +0000".</summary>
    public static string Rfc5322Date(DateTimeOffset time) =>
        time.UtcDateTime.ToString("ddd, dd MMM yyyy HH:mm:ss '+0000'", CultureInfo.InvariantCulture);

    /// <summary>The address as an RFC 5321 address literal body: "192.0.2.1" or "IPv6:2001:db8::1".</summary>
    public static string AddressLiteral(IPAddress address) =>
        address.AddressFamily == AddressFamily.InterNetworkV6 ? "IPv6:" + address : address.ToString();

    private static string Clean(string text)
    {
        if (text.Length > 255) text = text[..255];
        return text.AsSpan().IndexOfAny("\r\n()[];<>\\\"") < 0 && !text.Contains(' ', StringComparison.Ordinal)
            ? text
            : string.Create(text.Length, text, static (span, source) =>
            {
                for (var i = 0; i < source.Length; i++)
                    span[i] = source[i] is '\r' or '\n' or '(' or ')' or '[' or ']' or ';' or '<' or '>' or '\\' or '"' or ' ' ? '_' : source[i];
            });
    }
}
