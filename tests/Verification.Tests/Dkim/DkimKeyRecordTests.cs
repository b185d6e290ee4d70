using SmarthostLab.Verification.Dkim;
using SmarthostLab.Verification.Tests.Support;

namespace SmarthostLab.Verification.Tests.Dkim;

public sealed class DkimKeyRecordTests
{
    [Theory]
    [InlineData("test.txt", "rsa")]
    [InlineData("test2.txt", "rsa")]
    [InlineData("ed25519test.dns", "ed25519")]
    [InlineData("eximtest.dns", "ed25519")]
    public void Dkimpy_good_records_parse(string file, string keyType)
    {
        Assert.True(DkimKeyRecord.TryParse(TestData.Text("dkim", "dkimpy", file).Trim(), out var record, out var error), error);
        Assert.Equal(keyType, record!.KeyType);
        Assert.False(record.IsRevoked);
    }

    [Theory]
    [InlineData("badversion.txt", "v=")]
    [InlineData("badk.txt", "k=")]
    [InlineData("test_tlsrpt.txt", "not for email")]
    public void Dkimpy_bad_records_are_rejected_with_a_reason(string file, string reasonPart)
    {
        Assert.False(DkimKeyRecord.TryParse(TestData.Text("dkim", "dkimpy", file).Trim(), out var record, out var error));
        Assert.Null(record);
        Assert.Contains(reasonPart, error);
    }

    [Fact]
    public void Empty_p_means_revoked()
    {
        Assert.True(DkimKeyRecord.TryParse("v=DKIM1; k=rsa; p=", out var record, out _));
        Assert.True(record!.IsRevoked);
    }

    [Theory]
    [InlineData("k=rsa; v=DKIM1; p=AAAA", "first")]
    [InlineData("v=DKIM1; k=rsa", "p=")]
    [InlineData("v=DKIM1; p=!!!", "base64")]
    [InlineData("v=DKIM1; k=ed25519; p=AAAA", "32")]
    [InlineData("v=DKIM1; p=a; p=b", "duplicate")]
    public void Malformed_records_are_rejected(string text, string reasonPart)
    {
        Assert.False(DkimKeyRecord.TryParse(text, out _, out var error));
        Assert.Contains(reasonPart, error);
    }

    [Fact]
    public void Flags_and_hashes_are_read()
    {
        Assert.True(DkimKeyRecord.TryParse("v=DKIM1; h=sha256; t=y:s; s=email; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=", out var r, out _));
        Assert.True(r!.IsTesting);
        Assert.True(r.IsStrict);
        Assert.True(r.AllowsHash("sha256"));
        Assert.False(r.AllowsHash("sha1"));
        Assert.Equal(256, r.KeyBits);
    }

    [Fact]
    public void An_ed25519_key_that_is_not_a_curve_point_is_refused_with_a_reason()
    {
        // Found by fuzzing (fuzz/regressions/dkim): 32 octets off the curve made TryParse throw ArgumentException.
        Assert.False(DkimKeyRecord.TryParse("v=DKIM1; k=ed25519; p=sPs0VVu29FpHT/80UXUcYHFOHifD4o2ZlP2+XUh9g6E=", out var record, out var error));
        Assert.Null(record);
        Assert.Equal("p= is not a valid Ed25519 public key", error);
    }

    [Theory]
    [InlineData("v=DKIM1; k=rsa\r\n q=dns/txt; p=", "unknown key type k=rsa q=dns/txt")]
    [InlineData("v=DKIM1\r\n\tx; p=", "unsupported key record version v=DKIM1 x")]
    [InlineData("v=DKIM1; s=tlsrpt\r\n :other; p=", "key not for email (s=tlsrpt :other)")]
    public void A_refusal_quoting_a_folded_value_stays_one_line(string text, string expected)
    {
        // Found by fuzzing: the reason is documented as one line, but quoted folded values as they were.
        Assert.False(DkimKeyRecord.TryParse(text, out _, out var error));
        Assert.Equal(expected, error);
    }
}
