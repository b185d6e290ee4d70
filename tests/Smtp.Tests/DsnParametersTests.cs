using SmarthostLab.Smtp.Protocol;
using SmarthostLab.Smtp.Session;

namespace SmarthostLab.Smtp.Tests;

/// <summary>The RFC 3461 value helpers, the xtext codec, and the envelope's per-recipient parameters.</summary>
public sealed class DsnParametersTests
{
    [Theory]
    [InlineData("NEVER", DsnNotify.Never)]
    [InlineData("never", DsnNotify.Never)]
    [InlineData("SUCCESS", DsnNotify.Success)]
    [InlineData("SUCCESS,FAILURE", DsnNotify.Success | DsnNotify.Failure)]
    [InlineData("delay,Failure,SUCCESS", DsnNotify.Success | DsnNotify.Failure | DsnNotify.Delay)]
    public void Notify_values_parse_to_their_flags(string value, DsnNotify expected)
    {
        Assert.True(DsnParameters.TryParseNotify(value, out var flags));
        Assert.Equal(expected, flags);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("NEVER,SUCCESS")]
    [InlineData("FAILURE,NEVER")]
    [InlineData("SUCCESS,SUCCESS")]
    [InlineData("SUCCESS,")]
    [InlineData(",SUCCESS")]
    [InlineData("SUCCESS,,FAILURE")]
    [InlineData("ALWAYS")]
    [InlineData("SUCCESS FAILURE")]
    public void Bad_notify_values_are_refused(string? value)
    {
        Assert.False(DsnParameters.TryParseNotify(value, out var flags));
        Assert.Equal(DsnNotify.None, flags);
    }

    [Theory]
    [InlineData("FULL", "FULL")]
    [InlineData("hdrs", "HDRS")]
    [InlineData("Full", "FULL")]
    [InlineData("HEADERS", null)]
    [InlineData("", null)]
    [InlineData(null, null)]
    public void Ret_is_FULL_or_HDRS_upper_cased(string? value, string? expected)
    {
        Assert.Equal(expected is not null, DsnParameters.TryParseRet(value, out var ret));
        Assert.Equal(expected, ret);
    }

    [Theory]
    [InlineData("", true)]
    [InlineData("QQ314159", true)]
    [InlineData("a+2Bb+3Dc", true)]
    [InlineData("lower+2b", true)]
    [InlineData("!~", true)]
    [InlineData("a+b", false)]
    [InlineData("a+2", false)]
    [InlineData("a+GG", false)]
    [InlineData("a=b", false)]
    [InlineData("a b", false)]
    [InlineData("josé", false)]
    [InlineData("tab\t", false)]
    public void Xtext_is_printable_ASCII_without_plus_and_equals_plus_hex_escapes(string value, bool expected) =>
        Assert.Equal(expected, DsnParameters.IsXText(value));

    [Theory]
    [InlineData("bob@example.com", "bob@example.com")]
    [InlineData("a+2Bb@x", "a+b@x")]
    [InlineData("a+3Db@x", "a=b@x")]
    [InlineData("sp+20ace", "sp ace")]
    [InlineData("jos+C3+A9", "josé")]
    [InlineData("lower+2b", "lower+")]
    public void Xtext_decodes_hex_escapes(string xtext, string expected) =>
        Assert.Equal(expected, DsnParameters.DecodeXText(xtext));

    [Theory]
    [InlineData("bob@example.com", "bob@example.com")]
    [InlineData("a+b=c@x", "a+2Bb+3Dc@x")]
    [InlineData("two words", "two+20words")]
    [InlineData("josé", "jos+C3+A9")]
    public void Xtext_encodes_what_it_cannot_carry_and_round_trips(string text, string expected)
    {
        var xtext = DsnParameters.EncodeXText(text);
        Assert.Equal(expected, xtext);
        Assert.True(DsnParameters.IsXText(xtext));
        Assert.Equal(text, DsnParameters.DecodeXText(xtext));
    }

    [Fact]
    public void Decoding_what_is_not_xtext_throws() =>
        Assert.Throws<FormatException>(() => DsnParameters.DecodeXText("a=b"));

    [Fact]
    public void Envelope_ids_are_xtext_up_to_100_characters()
    {
        Assert.True(DsnParameters.IsEnvelopeId("QQ314159"));
        Assert.True(DsnParameters.IsEnvelopeId(new string('x', 100)));
        Assert.False(DsnParameters.IsEnvelopeId(new string('x', 101)));
        Assert.False(DsnParameters.IsEnvelopeId(""));
        Assert.False(DsnParameters.IsEnvelopeId(null));
        Assert.False(DsnParameters.IsEnvelopeId("bad+0"));
    }

    [Theory]
    [InlineData("rfc822;bob@example.com", false, "rfc822", "bob@example.com")]
    [InlineData("RFC822;a+2Bb@x", false, "RFC822", "a+b@x")]
    [InlineData("rfc822;a+3Db@x", false, "rfc822", "a=b@x")]
    [InlineData("x-custom;whatever", false, "x-custom", "whatever")]
    [InlineData("utf-8;jos\\x{E9}@example.com", false, "utf-8", "josé@example.com")]
    [InlineData("UTF-8;a\\x{2B}b\\x{3D}c\\x{5C}@x", false, "UTF-8", "a+b=c\\@x")]
    [InlineData("utf-8;\\x{1F600}@x", false, "utf-8", "😀@x")]
    [InlineData("utf-8;josé@example.com", true, "utf-8", "josé@example.com")]
    [InlineData("utf-8;用户@例子.广告", true, "utf-8", "用户@例子.广告")]
    public void Original_recipients_parse_to_type_and_decoded_address(string value, bool utf8, string type, string address)
    {
        Assert.True(DsnParameters.IsOriginalRecipient(value, utf8));
        Assert.True(DsnParameters.TryParseOriginalRecipient(value, utf8, out var t, out var a));
        Assert.Equal((type, address), (t, a));
    }

    [Theory]
    [InlineData(null, true)]
    [InlineData("", true)]
    [InlineData("rfc822", true)]
    [InlineData(";bob@example.com", true)]
    [InlineData("rfc822;", true)]
    [InlineData("rfc822;a=b@x", true)]
    [InlineData("rfc822;a+zzb@x", true)]
    [InlineData("rfc822;josé@example.com", true)]
    [InlineData("rfc@822;bob@example.com", true)]
    [InlineData("rfc 822;bob@example.com", true)]
    [InlineData("utf-8;josé@example.com", false)]
    [InlineData("utf-8;a+2Bb@x", true)]
    [InlineData("utf-8;a\\b@x", true)]
    [InlineData("utf-8;\\x{41}@x", true)]
    [InlineData("utf-8;\\x{0E9}@x", true)]
    [InlineData("utf-8;\\x{D800}@x", true)]
    [InlineData("utf-8;\\x{110000}@x", true)]
    [InlineData("utf-8;\\x{E9@x", true)]
    [InlineData("utf-8;\\X{E9}@x", true)]
    public void Bad_original_recipients_are_refused(string? value, bool utf8) =>
        Assert.False(DsnParameters.IsOriginalRecipient(value, utf8));

    [Fact]
    public void Original_recipients_are_limited_to_500_characters()
    {
        var longest = "rfc822;" + new string('a', 500 - 7 - 2) + "@x";
        Assert.Equal(500, longest.Length);
        Assert.True(DsnParameters.IsOriginalRecipient(longest, allowUtf8: false));
        Assert.False(DsnParameters.IsOriginalRecipient(longest + "x", allowUtf8: false));
    }

    [Fact]
    public void Parameters_join_and_split_back()
    {
        EsmtpParameter[] parameters = [new("NOTIFY", "SUCCESS,FAILURE"), new("ORCPT", "rfc822;a+3Db@x"), new("SMTPUTF8", null)];
        var text = EsmtpParameter.Join(parameters);
        Assert.Equal("NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;a+3Db@x SMTPUTF8", text);
        Assert.Equal(parameters, EsmtpParameter.Split(text));
        Assert.Equal([new("RET", "HDRS"), new("ENVID", "x")], EsmtpParameter.Split(" ret=HDRS  ENVID=x "));
        Assert.Null(EsmtpParameter.Join([]));
        Assert.Empty(EsmtpParameter.Split(null));
    }

    [Fact]
    public void Recipient_parameters_stay_parallel_to_recipients()
    {
        var envelope = new Envelope { MailFrom = "a@a.test" };
        envelope.AddRecipient("b@b.test", "NOTIFY=NEVER");
        envelope.Recipients.Add("c@c.test"); // the old way: no parameters recorded
        envelope.AddRecipient("d@d.test", null);
        envelope.AddRecipient("e@e.test", "ORCPT=rfc822;e@e.test");
        envelope.Recipients.Add("f@f.test");
        Assert.Equal(["b@b.test", "c@c.test", "d@d.test", "e@e.test", "f@f.test"], envelope.Recipients);
        Assert.Equal(["NOTIFY=NEVER", null, null, "ORCPT=rfc822;e@e.test"], envelope.RecipientParameters);
        Assert.Equal(["NOTIFY=NEVER", null, null, "ORCPT=rfc822;e@e.test", null], Enumerable.Range(0, 5).Select(envelope.ParametersOf));
        Assert.Throws<ArgumentOutOfRangeException>(() => envelope.ParametersOf(5));
        Assert.Throws<ArgumentOutOfRangeException>(() => envelope.ParametersOf(-1));
    }
}
