using SmarthostLab.Probe.Send;

namespace SmarthostLab.Probe.Tests.Send;

public sealed class SmallPartsTests
{
    [Theory]
    [InlineData("mail.contoso.test:25", "mail.contoso.test", 25)]
    [InlineData("127.0.0.1:2525", "127.0.0.1", 2525)]
    [InlineData("[::1]:587", "::1", 587)]
    [InlineData("mail.contoso.test", "mail.contoso.test", 25)]
    [InlineData("::1", "::1", 25)]
    public void Via_endpoints_parse(string text, string host, int port)
    {
        Assert.Equal(new SmtpEndpoint(host, port), SmtpEndpoint.Parse(text));
    }

    [Theory]
    [InlineData("host:0")]
    [InlineData("host:x")]
    [InlineData(":25")]
    [InlineData("[::1")]
    public void Bad_via_endpoints_cannot_run(string text)
    {
        Assert.Throws<ProbeException>(() => SmtpEndpoint.Parse(text));
    }

    [Fact]
    public void Refusals_are_put_into_words()
    {
        var refusal = Contract.Refusal("192.0.2.10", "connect", "unregistered-ip", "554 5.7.1 192.0.2.10 is not a registered outbound server of any account");

        Assert.Equal("the relay refused 192.0.2.10: not a registered outbound server (554 5.7.1 192.0.2.10 is not a registered outbound server of any account)", RefusalExplainer.Explain(refusal));
        Assert.Contains("register 192.0.2.10", RefusalExplainer.Fix(refusal), StringComparison.Ordinal);
    }

    [Fact]
    public void Tokens_are_unique_and_in_subject_and_header()
    {
        var a = ProbeToken.New();
        var b = ProbeToken.New();
        Assert.NotEqual(a, b);

        var message = ProbeMessageFactory.Create("alice@contoso.test", "bob@example.com", a, DateTimeOffset.UtcNow);

        Assert.Contains(a, message.Subject, StringComparison.Ordinal);
        Assert.Equal(a, message.Headers[ProbeToken.HeaderName]);
        Assert.EndsWith("@contoso.test", message.MessageId, StringComparison.Ordinal);
    }
}
