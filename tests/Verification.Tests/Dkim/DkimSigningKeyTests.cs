using System.Text;
using SmarthostLab.Verification.Dkim;
using SmarthostLab.Verification.Tests.Dns;
using SmarthostLab.Verification.Tests.Support;

namespace SmarthostLab.Verification.Tests.Dkim;

public sealed class DkimSigningKeyTests
{
    private static readonly byte[] Message = Encoding.ASCII.GetBytes("From: a@contoso.test\r\nTo: b@example.com\r\nSubject: pem\r\n\r\nbody\r\n");

    [Theory]
    [InlineData("ed25519.pem", "ed25519", "ed25519-sha256")]
    [InlineData("rsa-pkcs1.pem", "rsa", "rsa-sha256")]
    public async Task Pem_keys_load_sign_and_verify(string file, string keyType, string algorithm)
    {
        var key = DkimSigningKey.LoadPem(TestData.Path("keys", file), "Contoso.Test.", "k1");
        var dns = new InMemoryDnsResolver().AddTxt(key.RecordName, key.PublicKeyRecord);

        var verdict = Assert.Single(await new DkimSignatureVerifier(dns).VerifyAsync(new DkimMessageSigner(key).SignAndPrepend(Message)));

        Assert.Equal(keyType, key.KeyType);
        Assert.Equal("k1._domainkey.contoso.test", key.RecordName);
        Assert.True(DkimKeyRecord.TryParse(key.PublicKeyRecord, out _, out _));
        Assert.Equal(DkimResult.Pass, verdict.Result);
        Assert.Equal(algorithm, verdict.Algorithm);
    }

    [Fact]
    public void A_public_key_is_not_a_signing_key() =>
        Assert.Throws<FormatException>(() => DkimSigningKey.LoadPem(TestData.Path("dkim", "mimekit", "gmail.pub"), "gmail.com", "s"));
}
