using System.Security.Cryptography;
using System.Text;
using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;
using SmarthostLab.Verification.Dkim;

namespace SmarthostLab.Verification.Tests.Dkim;

/// <summary>
/// The body hash computed from the raw bytes: RFC 6376's own examples and empty-body values, and agreement with
/// MimeKit's body hash (the implementation it replaced) over bodies built to hit each canonicalization rule.
/// </summary>
public sealed class DkimBodyHashTests
{
    private const string Headers = "From: a@example.com\r\nSubject: body hash\r\n\r\n";

    public static TheoryData<string, string> Rfc6376Examples => new()
    {
        // RFC 6376 3.4.5: the body " C \r\nD \t E\r\n\r\n\r\n" canonicalizes to these.
        { "simple", " C \r\nD \t E\r\n" },
        { "relaxed", " C\r\nD E\r\n" },
    };

    [Theory]
    [MemberData(nameof(Rfc6376Examples))]
    public void Rfc6376_example_body_hashes_as_its_canonical_form(string canonicalization, string canonical)
    {
        var hash = Hash(" C \r\nD \t E\r\n\r\n\r\n", Canonicalization(canonicalization));
        Assert.Equal(SHA256.HashData(Encoding.ASCII.GetBytes(canonical)), hash);
    }

    [Theory]
    [InlineData("simple", "frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=")] // SHA-256 of CRLF (RFC 6376 3.4.3)
    [InlineData("relaxed", "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=")] // SHA-256 of nothing (3.4.4, erratum 1384)
    public void Empty_body_hashes_as_rfc6376_says(string canonicalization, string expected)
    {
        Assert.Equal(expected, Convert.ToBase64String(Hash("", Canonicalization(canonicalization))));
        Assert.Equal(expected, Convert.ToBase64String(Hash("\r\n\r\n", Canonicalization(canonicalization))));
    }

    public static TheoryData<string> Bodies => new()
    {
        "Hello\r\n",
        "no final line end",
        "trailing blank lines\r\n\r\n\r\n\r\n",
        "  leading and   inner \t\tspace \t \r\n\ttab line\r\n",
        "trailing space on a line   \r\n   \r\n \t \r\n",
        "blank lines\r\n\r\n\r\ninside\r\n",
        "bare CR\rin a line\r\nand at the end\r",
        "LF only\nlines\n\n\n",
        "one space between words, two  here, a tab\there and one at the end \r\n e \t\r\n",
        "mixed\r\nline\nends\r\n \n",
        "\r\n\r\nleading blank lines\r\n",
        "8bit caf\u00e9 \u00fcml\u00e4ute\r\n",
        string.Concat(Enumerable.Repeat("a line long enough to cross the 16 KiB read chunk more than once   \r\n\r\n", 600)) + "\r\n\r\n",
        string.Concat(Enumerable.Repeat("\r\n", 20_000)) + "text after many blank lines\r\n" + string.Concat(Enumerable.Repeat(" \r\n", 20_000)),
    };

    [Theory]
    [MemberData(nameof(Bodies))]
    public void Agrees_with_mimekit_for_every_canonicalization_and_hash(string body)
    {
        var message = Message(body);
        foreach (var canonicalization in (DkimCanonicalizationAlgorithm[])[DkimCanonicalizationAlgorithm.Simple, DkimCanonicalizationAlgorithm.Relaxed])
        {
            foreach (var algorithm in (DkimSignatureAlgorithm[])[DkimSignatureAlgorithm.RsaSha256, DkimSignatureAlgorithm.RsaSha1])
            {
                var name = algorithm == DkimSignatureAlgorithm.RsaSha1 ? HashAlgorithmName.SHA1 : HashAlgorithmName.SHA256;
                foreach (var length in (int[])[-1, 0, 1, 7, 20, 100_000])
                {
                    var ours = Convert.ToBase64String(Hash(body, canonicalization, length, name));
                    Assert.True(MimeKitOracle.Matches(message, algorithm, canonicalization, length, ours),
                        $"{canonicalization} {algorithm} l={length}: {ours} is not MimeKit's body hash");
                }
            }
        }
    }

    [Theory]
    [MemberData(nameof(Bodies))]
    public void Reads_of_any_size_give_the_same_hash(string body)
    {
        // Runs of text, held-back white space and CR/LF pairs split across reads (1 to 7 octets each here).
        var bytes = Bytes(body);
        var bodyOffset = MessageParsing.Parse(bytes).BodyOffset;
        foreach (var canonicalization in (DkimCanonicalizationAlgorithm[])[DkimCanonicalizationAlgorithm.Simple, DkimCanonicalizationAlgorithm.Relaxed])
        {
            foreach (var length in (int[])[-1, 7, 100])
            {
                var whole = Hash(body, canonicalization, length);
                var pieces = new byte[32];
                DkimBodyHash.Compute(new TrickleStream(bytes), bodyOffset, canonicalization, length, HashAlgorithmName.SHA256, pieces);
                Assert.True(whole.AsSpan().SequenceEqual(pieces), $"{canonicalization} l={length}");
            }
        }
    }

    [Fact]
    public void The_oracle_rejects_a_wrong_hash()
    {
        var wrong = Convert.ToBase64String(Hash("something else\r\n", DkimCanonicalizationAlgorithm.Relaxed));
        Assert.False(MimeKitOracle.Matches(Message("Hello\r\n"), DkimSignatureAlgorithm.RsaSha256, DkimCanonicalizationAlgorithm.Relaxed, -1, wrong));
    }

    [Fact]
    public void Hashes_only_the_body_after_the_header_block()
    {
        var parsed = MessageParsing.Parse(Encoding.ASCII.GetBytes("From: a@example.com\r\nX-Long: folded\r\n value\r\n\r\nbody\r\n"));
        Span<byte> hash = stackalloc byte[32];
        DkimBodyHash.Compute(parsed.Bytes, parsed.BodyOffset, DkimCanonicalizationAlgorithm.Simple, -1, HashAlgorithmName.SHA256, hash);
        Assert.Equal(SHA256.HashData("body\r\n"u8), hash.ToArray());
    }

    [Fact]
    public void Relaxed_keeps_white_space_before_a_bare_CR_which_is_text_not_a_line_end()
    {
        // RFC 6376 3.4.4 removes WSP at the end of a line, and a CR without LF does not end one (MimeKit drops it here).
        Assert.Equal(SHA256.HashData("a \rb\r\n"u8), Hash("a \rb\r\n", DkimCanonicalizationAlgorithm.Relaxed));
    }

    [Fact]
    public void A_leading_mbox_From_line_is_skipped_as_MimeKit_skips_it()
    {
        var parsed = MessageParsing.Parse(Encoding.ASCII.GetBytes("From sender@example.com Mon Jan  1 00:00:00 2024\r\nFrom: a@example.com\r\nSubject: s\r\n\r\nbody\r\n"));
        Assert.Equal(["From", "Subject"], parsed.Headers.Select(h => h.Field));
        Span<byte> hash = stackalloc byte[32];
        DkimBodyHash.Compute(parsed.Bytes, parsed.BodyOffset, DkimCanonicalizationAlgorithm.Simple, -1, HashAlgorithmName.SHA256, hash);
        Assert.Equal(SHA256.HashData("body\r\n"u8), hash.ToArray());
        Assert.Equal("s", parsed.Headers.Single(h => h.Id == HeaderId.Subject).Value.Trim());
    }

    private static DkimCanonicalizationAlgorithm Canonicalization(string name) =>
        name == "simple" ? DkimCanonicalizationAlgorithm.Simple : DkimCanonicalizationAlgorithm.Relaxed;

    private static MimeMessage Message(string body) => MimeMessage.Load(new MemoryStream(Bytes(body)));

    private static byte[] Bytes(string body) => Encoding.UTF8.GetBytes(Headers + body);

    private static byte[] Hash(string body, DkimCanonicalizationAlgorithm canonicalization, long length = -1, HashAlgorithmName? algorithm = null)
    {
        var parsed = MessageParsing.Parse(Bytes(body));
        var hash = new byte[64];
        var written = DkimBodyHash.Compute(parsed.Bytes, parsed.BodyOffset, canonicalization, length, algorithm ?? HashAlgorithmName.SHA256, hash);
        return hash[..written];
    }

    /// <summary>A stream whose reads return 1 to 7 octets, in a fixed cycle.</summary>
    private sealed class TrickleStream(byte[] bytes) : MemoryStream(bytes, writable: false)
    {
        private int _reads;

        public override int Read(byte[] buffer, int offset, int count) =>
            base.Read(buffer, offset, Math.Min(count, 1 + (_reads++ % 7)));
    }

    /// <summary>MimeKit's body hash check, a protected static of its verifier base class.</summary>
    private abstract class MimeKitOracle : DkimVerifierBase
    {
        protected MimeKitOracle()
            : base(new NoKeys())
        {
        }

        public static bool Matches(MimeMessage message, DkimSignatureAlgorithm algorithm, DkimCanonicalizationAlgorithm canonicalization, int length, string bodyHash)
        {
            var options = FormatOptions.Default.Clone();
            options.NewLineFormat = NewLineFormat.Dos;
            return VerifyBodyHash(options, message, algorithm, canonicalization, length, bodyHash);
        }

        private sealed class NoKeys : DkimPublicKeyLocatorBase
        {
            public override AsymmetricKeyParameter LocatePublicKey(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
                throw new NotSupportedException();

            public override Task<AsymmetricKeyParameter> LocatePublicKeyAsync(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
                throw new NotSupportedException();
        }
    }
}
