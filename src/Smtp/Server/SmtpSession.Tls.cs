using System.IO.Pipelines;
using System.Net.Security;
using System.Security.Authentication;
using Microsoft.Extensions.Logging;
using SmarthostLab.Smtp.Protocol;

namespace SmarthostLab.Smtp.Server;

public sealed partial class SmtpSession
{
    /// <summary>
    /// STARTTLS (RFC 3207 4): 220, handshake over the same transport, then new pipes over the TLS stream and the
    /// state of a fresh connection (4.2: the client must EHLO again). The caller has already dropped any
    /// pipelined plaintext. A failed handshake is logged and closes the session (false).
    /// </summary>
    private async ValueTask<bool> StartTlsAsync()
    {
        Reply(SmtpReplies.ReadyToStartTls);
        await FlushAsync(_options.CommandTimeout).ConfigureAwait(false);
        var ssl = await HandshakeAsync(_transport, _certificate!, _options.CommandTimeout, _time, _aborted, _logger, _context.Id).ConfigureAwait(false);
        if (ssl is null)
        {
            _context.Transcript.Note("TLS handshake failed");
            return false;
        }
        _tls = ssl;
        var pipe = new StreamDuplexPipe(ssl);
        _input = pipe.Input;
        _output = pipe.Output;
        _needMoreInput = false;
        _commands.Reset();
        _ehloReply = null; // STARTTLS is no longer offered
        RecordTls(ssl);
        _context.Helo = null;
        _context.IsExtended = false;
        _context.AuthenticatedUser = null; // an AUTH before TLS is forgotten too
        ResetTransaction(); // Helo is null: back to Greeted (RFC 3207 4.2)
        return true;
    }

    /// <summary>Fills the context's TLS details after a handshake (STARTTLS or implicit TLS).</summary>
    internal void RecordTls(SslStream ssl)
    {
        _context.TlsProtocol = ssl.SslProtocol;
        _context.TlsCipher = ssl.NegotiatedCipherSuite.ToString();
        _context.Transcript.Note($"TLS established: {ssl.SslProtocol} {_context.TlsCipher}");
        SmtpLog.TlsEstablished(_logger, _context.Id, ssl.SslProtocol.ToString(), _context.TlsCipher);
    }

    /// <summary>Server-side TLS options: the OS default protocols (TLS 1.2+), no client certificate.</summary>
    /// <summary>
    /// The server side of a TLS handshake over <paramref name="transport"/> (STARTTLS, or an implicit-TLS
    /// connection), bounded by <paramref name="timeout"/> and by the connection closing. A failure is logged
    /// and gives null.
    /// </summary>
    internal static async Task<SslStream?> HandshakeAsync(IDuplexPipe transport, System.Security.Cryptography.X509Certificates.X509Certificate2 certificate,
        TimeSpan timeout, TimeProvider time, CancellationToken aborted, ILogger logger, string sessionId)
    {
        var ssl = new SslStream(new DuplexPipeStream(transport), leaveInnerStreamOpen: false);
        try
        {
            using var deadline = new CancellationTokenSource(timeout, time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token, aborted);
            await ssl.AuthenticateAsServerAsync(ServerAuthentication(certificate), linked.Token).ConfigureAwait(false);
            return ssl;
        }
        catch (Exception ex) when (ex is AuthenticationException or IOException or OperationCanceledException)
        {
            SmtpLog.TlsHandshakeFailed(logger, sessionId, ex.GetType().Name + ": " + ex.Message);
            await ssl.DisposeAsync().ConfigureAwait(false);
            return null;
        }
    }

    internal static SslServerAuthenticationOptions ServerAuthentication(System.Security.Cryptography.X509Certificates.X509Certificate2 certificate) => new()
    {
        ServerCertificate = certificate,
        ClientCertificateRequired = false,
        EnabledSslProtocols = SslProtocols.None,
    };
}
