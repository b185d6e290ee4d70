using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace SmarthostLab.Tests.Support;

/// <summary>
/// The script of a <see cref="ScriptedSmtpServer"/>: what it offers and how it answers. Everything not scripted gets
/// an ordinary, accepting reply (see <see cref="ScriptedSmtpServer"/> for the defaults).
/// </summary>
public sealed record ScriptedSmtpServerOptions
{
    /// <summary>The EHLO keywords a typical modern MTA offers (Postfix-like), STARTTLS aside.</summary>
    public static IReadOnlyList<string> DefaultCapabilities { get; } =
        ["PIPELINING", "SIZE 52428800", "8BITMIME", "ENHANCEDSTATUSCODES", "DSN", "SMTPUTF8", "CHUNKING"];

    /// <summary>The address to listen on.</summary>
    public IPAddress Address { get; init; } = IPAddress.Loopback;

    /// <summary>
    /// The port to listen on; 0 (default): the system picks one. A fixed port serves a test whose client keeps an
    /// earlier next hop's address, e.g. a relay restarted with its queue still pointing there.
    /// </summary>
    public int Port { get; init; }

    /// <summary>The server's name in its greeting and EHLO reply.</summary>
    public string HostName { get; init; } = "scripted.test";

    /// <summary>The greeting, e.g. "554 5.7.1 no service"; null for "220 {HostName} ESMTP ScriptedSmtpServer". A 421 greeting closes the connection.</summary>
    public string? Greeting { get; init; }

    /// <summary>
    /// The EHLO lines after the first, in order, e.g. ["PIPELINING", "SIZE 1000"]; without "CHUNKING" a client must use
    /// DATA, without "8BITMIME" it should not send BODY=8BITMIME. STARTTLS is added by the server when <see cref="Certificate"/> is set.
    /// </summary>
    public IReadOnlyList<string> Capabilities { get; init; } = DefaultCapabilities;

    /// <summary>With a certificate, STARTTLS is offered (outside TLS) and done; without one it is neither offered nor accepted (502).</summary>
    public X509Certificate2? Certificate { get; init; }

    /// <summary>
    /// Chooses the reply to a command; null keeps the default. Called for every command line (EHLO, MAIL, RCPT, DATA,
    /// BDAT, RSET, STARTTLS, QUIT, …). The reply's code drives the state as it would in a real server: MAIL FROM
    /// starts a transaction only with 2xx, a recipient counts only with 2xx, DATA reads content only with 354,
    /// STARTTLS starts TLS only with 220. For BDAT the chunk is read first, then the reply is sent.
    /// Example: <c>c =&gt; c.Verb == "RCPT" &amp;&amp; c.Address == "nobody@example.com" ? "550 5.1.1 no such user" : null</c>.
    /// </summary>
    public Func<ScriptedCommand, ScriptedReply?>? Reply { get; init; }

    /// <summary>
    /// Chooses the reply once the content has ended (after ".", or with the LAST chunk); null keeps
    /// "250 2.0.0 Ok: queued as {Number}". The transaction is complete when it is called.
    /// Example (fail the first message only): <c>t =&gt; t.Number == 1 ? "451 4.3.0 try again later" : null</c>.
    /// </summary>
    public Func<ScriptedTransaction, ScriptedReply?>? MessageReply { get; init; }

    /// <summary>
    /// True for a transaction whose connection is to be dropped (reset) in the middle of its content: the server
    /// takes the first octets that arrive after 354 (or after the first BDAT), records them, then resets the connection.
    /// Example (first message only): <c>t =&gt; t.Number == 1</c>.
    /// </summary>
    public Func<ScriptedTransaction, bool>? DisconnectDuringData { get; init; }
}
