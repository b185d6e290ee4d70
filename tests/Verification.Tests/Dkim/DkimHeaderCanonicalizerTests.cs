using System.Buffers;
using System.Text;
using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;
using SmarthostLab.Verification.Dkim;
using SmarthostLab.Verification.Tests.Support;

namespace SmarthostLab.Verification.Tests.Dkim;

/// <summary>
/// Our header hash input (used for the platform RSA path) against the exact octets MimeKit's own
/// DkimSigner feeds its signer for the same message, headers and canonicalization.
/// </summary>
public sealed class DkimHeaderCanonicalizerTests
{
    public static TheoryData<string, string, DkimCanonicalizationAlgorithm> Cases()
    {
        const string Plain = "From: Alice <a@contoso.test>\r\nTo: b@example.com\r\nSubject: hello\r\n\r\nbody\r\n";
        const string Messy =
            "X-Trace: from a by b; Sun, 23 Nov 2025 12:00:00 +0000\r\n" +
            "From:   Alice\t <a@contoso.test>  \r\n" +
            "Subject: folded\r\n  over\r\n\tthree lines \r\n" +
            "X-Trace: from c by d; Sun, 23 Nov 2025 12:00:01 +0000\r\n" +
            "To:b@example.com\r\n" +
            "X-Empty:\r\n" +
            "Subject : second subject\r\n" +
            "MIME-Version: 1.0\r\n" +
            "Content-Type: text/plain;\r\n charset=\"us-ascii\"\r\n" +
            "Content-Transfer-Encoding: 7bit\r\n\r\nbody\r\n";
        var many = "From: Alice <a@contoso.test>\r\n" + string.Concat(Enumerable.Range(0, 300).Select(i => $"X-Trace: hop {i}\r\n")) +
            "To: b@example.com\r\n\r\nbody\r\n";
        var data = new TheoryData<string, string, DkimCanonicalizationAlgorithm>();
        foreach (var c in new[] { DkimCanonicalizationAlgorithm.Relaxed, DkimCanonicalizationAlgorithm.Simple })
        {
            data.Add(Plain, "From:To:Subject", c);
            data.Add(Plain.ReplaceLineEndings("\n"), "From:To:Subject", c);
            data.Add(Messy, "From:Subject:Subject:x-trace:X-Trace:X-TRACE:To:X-Empty:Content-Type:Content-Transfer-Encoding:Cc:MIME-Version", c);
            data.Add(Messy.ReplaceLineEndings("\n"), "from:SUBJECT:subject:content-type:x-missing", c);
            // Enough names times fields that the fields are looked up through an index by name.
            data.Add(many, string.Join(':', Enumerable.Repeat("x-trace", 30).Append("From").Append("x-missing").Append("To")), c);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Header_input_matches_MimeKits_signer(string text, string headers, DkimCanonicalizationAlgorithm canonicalization)
    {
        var message = MimeMessage.Load(new MemoryStream(Encoding.ASCII.GetBytes(text)));
        var capture = new CapturingSigner();
        var key = DkimSigningKey.LoadPem(TestData.Path("keys", "rsa-pkcs1.pem"), "contoso.test", "k1");
        var signer = new Signer(key, capture)
        {
            HeaderCanonicalizationAlgorithm = canonicalization,
            BodyCanonicalizationAlgorithm = canonicalization,
        };
        var options = FormatOptions.Default.Clone();
        options.NewLineFormat = NewLineFormat.Dos;
        signer.Sign(options, message, headers.Split(':'));
        // The verifier sees the signed message as bytes: its header block, Content-* fields in place.
        var signed = new MemoryStream();
        message.WriteTo(options, signed);
        signed.Position = 0;
        var block = new MimeParser(signed, MimeFormat.Entity).ParseHeaders();
        var header = block.First(h => h.Id == HeaderId.DkimSignature);
        Assert.True(DkimSignatureHeader.TryParse(header.Value, out var sig, out _, out var error), error);

        var ours = new ArrayBufferWriter<byte>();
        DkimHeaderCanonicalizer.Write(ours, [.. block], header, sig!.SignedHeaders, canonicalization);

        Assert.Equal(Encoding.ASCII.GetString(capture.Data.ToArray()), Encoding.ASCII.GetString(ours.WrittenSpan));
    }

    private sealed class Signer(DkimSigningKey key, ISigner capture)
        : DkimSigner(key.PrivateKey, key.Domain, key.Selector, DkimSignatureAlgorithm.RsaSha256)
    {
        protected override ISigner CreateSigningContext() => capture;
    }

    /// <summary>Records what MimeKit hashes; "signs" with zeros.</summary>
    private sealed class CapturingSigner : ISigner
    {
        public MemoryStream Data { get; } = new();

        public string AlgorithmName => "capture";

        public void Init(bool forSigning, ICipherParameters parameters)
        {
        }

        public void Update(byte input) => Data.WriteByte(input);

        public void BlockUpdate(byte[] input, int inOff, int inLen) => Data.Write(input, inOff, inLen);

        public void BlockUpdate(ReadOnlySpan<byte> input) => Data.Write(input);

        public int GetMaxSignatureSize() => 256;

        public byte[] GenerateSignature() => new byte[256];

        public bool VerifySignature(byte[] signature) => false;

        public void Reset() => Data.SetLength(0);
    }
}
