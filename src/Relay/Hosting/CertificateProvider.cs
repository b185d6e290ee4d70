using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using SmarthostLab.Relay.Configuration;
using SmarthostLab.Smtp;

namespace SmarthostLab.Relay.Hosting;

/// <summary>
/// The SMTP TLS certificate: Smtp:CertificatePath (PEM with its key, PEM plus Smtp:CertificateKeyPath, or PFX
/// with Smtp:CertificatePassword), else a self-signed ECDSA P-256 certificate made at first start and kept in
/// the data folder as smtp-certificate.pem (reused afterwards).
/// </summary>
public static class CertificateProvider
{
    /// <summary>File name of the generated certificate (certificate and key, PEM) in the data folder.</summary>
    public const string GeneratedFileName = "smtp-certificate.pem";

    /// <summary>Loads or makes the certificate.</summary>
    /// <exception cref="RelayConfigurationException">The configured file cannot be loaded.</exception>
    /// <exception cref="RelayStartException">The generated certificate cannot be written to the data folder.</exception>
    public static X509Certificate2 Load(SmtpOptions smtp, StoreOptions store, string hostName, ILogger logger)
    {
        if (!string.IsNullOrEmpty(smtp.CertificatePath))
        {
            try
            {
                var certificate = LoadFile(smtp.CertificatePath, smtp.CertificateKeyPath, smtp.CertificatePassword);
                if (!certificate.HasPrivateKey)
                    throw new RelayConfigurationException($"Smtp:CertificatePath: '{smtp.CertificatePath}' holds no private key (set Smtp:CertificateKeyPath)");
                HostingLog.CertificateLoaded(logger, smtp.CertificatePath, certificate.Subject, certificate.NotAfter);
                return certificate;
            }
            catch (CryptographicException exception)
            {
                throw new RelayConfigurationException($"Smtp:CertificatePath: cannot load '{smtp.CertificatePath}' ({exception.Message})", exception);
            }
        }
        var path = Path.GetFullPath(Path.Combine(store.DataFolder, GeneratedFileName));
        if (File.Exists(path))
        {
            try
            {
                var existing = X509Certificate2.CreateFromPemFile(path);
                if (existing.NotAfter > DateTime.UtcNow.AddDays(1))
                {
                    HostingLog.CertificateLoaded(logger, path, existing.Subject, existing.NotAfter);
                    return existing;
                }
            }
            catch (CryptographicException exception)
            {
                HostingLog.CertificateUnreadable(logger, path, exception);
            }
        }
        var created = CreateSelfSigned(hostName);
        try
        {
            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            using (var key = created.GetECDsaPrivateKey()!)
            {
                File.WriteAllText(path, created.ExportCertificatePem() + "\n" + key.ExportPkcs8PrivateKeyPem() + "\n");
            }
            if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException)
        {
            throw DataFolder.Problem(Path.GetDirectoryName(path)!, $"cannot write {GeneratedFileName} ({DataFolder.Reason(exception)})", exception);
        }
        HostingLog.CertificateCreated(logger, path, created.Subject);
        return created;
    }

    /// <summary>A self-signed ECDSA P-256 server certificate for <paramref name="hostName"/>, localhost and 127.0.0.1/::1, valid 5 years.</summary>
    public static X509Certificate2 CreateSelfSigned(string hostName)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest($"CN={hostName}", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName(hostName);
        if (!hostName.Equals("localhost", StringComparison.OrdinalIgnoreCase)) san.AddDnsName("localhost");
        san.AddIpAddress(System.Net.IPAddress.Loopback);
        san.AddIpAddress(System.Net.IPAddress.IPv6Loopback);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(5));
    }

    private static X509Certificate2 LoadFile(string path, string? keyPath, string? password)
    {
        var extension = Path.GetExtension(path).ToLowerInvariant();
        if (extension is ".pfx" or ".p12") return X509CertificateLoader.LoadPkcs12FromFile(path, password);
        return string.IsNullOrEmpty(keyPath) ? X509Certificate2.CreateFromPemFile(path) : X509Certificate2.CreateFromPemFile(path, keyPath);
    }
}
