using SmarthostLab.Probe.Relay;
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

    [Theory]
    [InlineData("127.0.0.2", "127.0.0.2", true)]
    [InlineData("127.0.0.3", "127.0.0.2", false)]
    [InlineData("192.0.2.77", "192.0.2.0/24", true)]
    [InlineData("192.0.3.1", "192.0.2.0/24", false)]
    [InlineData("192.0.2.77", "192.0.2.64/27", true)]
    [InlineData("2001:db8:10::5", "2001:db8:10::/64", true)]
    [InlineData("2001:db8:11::5", "2001:db8:10::/64", false)]
    [InlineData("::ffff:127.0.0.2", "127.0.0.2", true)]
    public void Registered_outbound_servers_match_addresses_and_ranges(string ip, string entry, bool expected)
    {
        Assert.Equal(expected, IpMatcher.Matches(ip, entry));
    }

    [Fact]
    public void Refusals_are_put_into_words()
    {
        var refusal = new RelayRefusal { ClientIp = "192.0.2.10", Stage = "connect", Reason = "unregistered-ip", Reply = "554 5.7.1 192.0.2.10 is not a registered outbound server of any account" };

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
