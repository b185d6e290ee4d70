using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.DependencyInjection;
using SmarthostLab.Relay.Hosting;
using SmarthostLab.Relay.Tests.Infrastructure;
using SmarthostLab.Smtp.Server;
using SmarthostLab.Tests.Support;

namespace SmarthostLab.Relay.Tests;

public sealed class CertificateTests
{
    [Fact]
    public async Task The_generated_certificate_is_kept_and_reused_after_a_restart()
    {
        using var folder = new TempFolder();
        string first;
        await using (var relay = await TestRelay.StartInAsync(folder.Path))
            first = relay.Relay.Services.GetRequiredService<SmtpTlsCertificate>().Certificate!.Thumbprint;
        await using (var again = await TestRelay.StartInAsync(folder.Path))
            Assert.Equal(first, again.Relay.Services.GetRequiredService<SmtpTlsCertificate>().Certificate!.Thumbprint);
    }

    [Fact]
    public async Task A_configured_pem_certificate_with_a_separate_key_is_used()
    {
        using var folder = new TempFolder();
        using var made = CertificateProvider.CreateSelfSigned("custom.test");
        var certPath = Path.Combine(folder.Path, "cert.pem");
        var keyPath = Path.Combine(folder.Path, "key.pem");
        await File.WriteAllTextAsync(certPath, made.ExportCertificatePem());
        using (var key = made.GetECDsaPrivateKey()!) await File.WriteAllTextAsync(keyPath, key.ExportPkcs8PrivateKeyPem());

        await using var relay = await TestRelay.StartAsync("--Smtp:CertificatePath=" + certPath, "--Smtp:CertificateKeyPath=" + keyPath);
        var certificate = relay.Relay.Services.GetRequiredService<SmtpTlsCertificate>().Certificate!;
        Assert.Equal("CN=custom.test", certificate.Subject);
        Assert.True(certificate.HasPrivateKey);
        Assert.Contains("Ok: queued as", await Mail.SendAsync(relay.Smtp, TestRelay.Registered, Mail.Message("custom cert"), startTls: true));
    }

    [Fact]
    public async Task A_missing_certificate_file_is_a_configuration_error()
    {
        var error = await Assert.ThrowsAsync<RelayConfigurationException>(() => TestRelay.StartAsync("--Smtp:CertificatePath=/nonexistent/cert.pem"));
        Assert.Equal("Smtp:CertificatePath: file '/nonexistent/cert.pem' does not exist", error.Message);
    }
}
