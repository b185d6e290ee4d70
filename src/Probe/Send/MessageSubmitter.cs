using System.Net;
using System.Net.Sockets;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace SmarthostLab.Probe.Send;

/// <summary>
/// Submits the probe message with MailKit. Refusals come back as a <see cref="SubmissionResult"/>;
/// an MTA that cannot be reached at all raises <see cref="ProbeException"/> (exit 2).
/// </summary>
public static class MessageSubmitter
{
    /// <summary>Connects to <see cref="SendOptions.Via"/>, optionally authenticates, and sends <paramref name="message"/>.</summary>
    public static async Task<SubmissionResult> SubmitAsync(SendOptions options, MimeMessage message, CancellationToken cancellationToken)
    {
        using var client = new SmtpClient
        {
            Timeout = Math.Max(5, options.TimeoutSeconds) * 1000,
        };
        if (options.Bind is not null)
        {
            client.LocalEndPoint = new IPEndPoint(options.Bind, 0);
        }

        if (options.Helo is not null)
        {
            client.LocalDomain = options.Helo;
        }

        if (!options.RequireValidCertificate)
        {
            // Lab relays use self-signed certificates; --require-valid-cert turns this off.
            client.ServerCertificateValidationCallback = (_, _, _, _) => true;
        }

        var secure = options.Tls switch
        {
            TlsMode.StartTls => SecureSocketOptions.StartTls,
            TlsMode.Implicit => SecureSocketOptions.SslOnConnect,
            TlsMode.None => SecureSocketOptions.None,
            _ => SecureSocketOptions.StartTlsWhenAvailable,
        };

        var stage = "connect";
        try
        {
            await client.ConnectAsync(options.Via.Host, options.Via.Port, secure, cancellationToken).ConfigureAwait(false);
            var probeTls = client.IsSecure ? $"{client.SslProtocol} {client.SslCipherSuite}" : null;

            if (options.User is not null)
            {
                stage = "auth";
                await client.AuthenticateAsync(options.User, options.Password ?? string.Empty, cancellationToken).ConfigureAwait(false);
            }

            stage = "mail";
            var reply = await client.SendAsync(message, cancellationToken).ConfigureAwait(false);
            try
            {
                await client.DisconnectAsync(true, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is IOException or SmtpProtocolException or SmtpCommandException)
            {
                // The message is accepted; a rough QUIT does not change that.
            }

            return new SubmissionResult(true, reply, 250, "data", probeTls);
        }
        catch (SmtpCommandException ex)
        {
            var where = stage == "connect" ? "connect" : ex.ErrorCode switch
            {
                SmtpErrorCode.SenderNotAccepted => "mail",
                SmtpErrorCode.RecipientNotAccepted => "rcpt",
                SmtpErrorCode.MessageNotAccepted => "data",
                _ => stage,
            };
            return new SubmissionResult(false, $"{(int)ex.StatusCode} {ex.Message}".Trim(), (int)ex.StatusCode, where, null);
        }
        catch (AuthenticationException ex)
        {
            return new SubmissionResult(false, ex.Message, 535, "auth", null);
        }
        catch (SslHandshakeException ex)
        {
            return new SubmissionResult(false, $"TLS handshake failed: {ex.Message}", 0, "tls", null);
        }
        catch (SmtpProtocolException ex) when (stage != "connect" || client.IsConnected)
        {
            return new SubmissionResult(false, $"the MTA broke off the session: {ex.Message}", 0, stage, null);
        }
        catch (SmtpProtocolException ex)
        {
            return new SubmissionResult(false, $"the MTA closed the connection before greeting: {ex.Message}", 0, "connect", null);
        }
        catch (NotSupportedException ex) when (stage == "connect")
        {
            return new SubmissionResult(false, $"the MTA does not offer what was asked: {ex.Message}", 0, "tls", null);
        }
        catch (Exception ex) when (ex is SocketException or TimeoutException or IOException && stage == "connect")
        {
            throw new ProbeException($"the MTA at {options.Via} is unreachable: {ex.Message}", ex);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested && stage == "connect")
        {
            throw new ProbeException($"the MTA at {options.Via} did not answer within {options.TimeoutSeconds} s", ex);
        }
        catch (Exception ex) when (ex is IOException or ServiceNotConnectedException)
        {
            return new SubmissionResult(false, $"the connection to the MTA failed during {stage}: {ex.Message}", 0, stage, null);
        }
    }
}
