using System.Security.Cryptography.X509Certificates;

namespace SmarthostLab.Smtp.Server;

/// <summary>
/// The server certificate for STARTTLS (RFC 3207) and the implicit-TLS endpoint (RFC 8314 3.3). Registered in DI
/// by the host (which loads it from config or makes a self-signed one); null means no TLS: STARTTLS is not
/// offered and implicit-TLS connections are closed.
/// </summary>
public sealed class SmtpTlsCertificate
{
    /// <summary>Creates a holder; <paramref name="certificate"/> must have its private key.</summary>
    public SmtpTlsCertificate(X509Certificate2? certificate = null) => Certificate = certificate;

    /// <summary>The certificate with private key, or null.</summary>
    public X509Certificate2? Certificate { get; set; }
}
