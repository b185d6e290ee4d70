using SmarthostLab.Relay.Delivery;

namespace SmarthostLab.Relay.Tests.Delivery;

public sealed class DestinationTests
{
    [Theory]
    [InlineData("Mail.Example.COM:25", "nexthop:mail.example.com:25")]
    [InlineData("mail.example.com.:587", "nexthop:mail.example.com:587")]
    [InlineData(" localhost:2526 ", "nexthop:localhost:2526")]
    [InlineData("[127.0.0.1]:2526", "nexthop:[127.0.0.1]:2526")]
    [InlineData("127.0.0.1:2526", "nexthop:[127.0.0.1]:2526")]
    [InlineData("[::1]:25", "nexthop:[::1]:25")]
    [InlineData("[IPv6:2001:DB8:0::1]:25", "nexthop:[2001:db8::1]:25")]
    [InlineData("bücher.example:25", "nexthop:xn--bcher-kva.example:25")]
    public void NextHop_normalises_to_one_key_per_place(string hostPort, string key)
    {
        Assert.Equal(key, Destination.NextHop(hostPort));
    }

    [Theory]
    [InlineData("user@Example.COM", "mx:example.com")]
    [InlineData("user@example.com.", "mx:example.com")]
    [InlineData("\"odd@local\"@example.com", "mx:example.com")]
    [InlineData("user@Bücher.Example", "mx:xn--bcher-kva.example")]
    [InlineData("пользователь@почта.рф", "mx:xn--80a1acny.xn--p1ai")]
    [InlineData("user@[127.0.0.1]", "mx:[127.0.0.1]")]
    [InlineData("user@[IPv6:::1]", "mx:[::1]")]
    public void Mx_takes_the_domain_after_the_last_at_lower_cased_in_a_label_form(string address, string key)
    {
        Assert.Equal(key, Destination.Mx(address));
    }

    [Theory]
    [InlineData("user")]
    [InlineData("user@")]
    [InlineData("user@bad domain.test")]
    [InlineData("user@[not-an-ip]")]
    [InlineData("user@a..b")]
    public void Mx_refuses_an_address_without_a_usable_domain(string address)
    {
        Assert.Throws<ArgumentException>(() => Destination.Mx(address));
    }

    [Theory]
    [InlineData("mail.test:25", "mail.test", 25, false)]
    [InlineData("[192.0.2.1]:1", "192.0.2.1", 1, true)]
    [InlineData("192.0.2.1:65535", "192.0.2.1", 65535, true)]
    [InlineData("[::1]:2526", "::1", 2526, true)]
    public void TryParseHostPort_reads_host_port_and_literals(string text, string host, int port, bool literal)
    {
        Assert.True(Destination.TryParseHostPort(text, out var parsedHost, out var parsedPort, out var parsedLiteral, out var error));
        Assert.Null(error);
        Assert.Equal((host, port, literal), (parsedHost, parsedPort, parsedLiteral));
    }

    [Theory]
    [InlineData("mx.test", "'mx.test' has no port; use host:port or [ip]:port")]
    [InlineData("[127.0.0.1]", "'[127.0.0.1]' has no port")]
    [InlineData("mx.test:", "'mx.test:' has port ''; a port is 1-65535")]
    [InlineData("mx.test:0", "'mx.test:0' has port '0'; a port is 1-65535")]
    [InlineData("mx.test:65536", "has port '65536'")]
    [InlineData("mx.test:+25", "has port '+25'")]
    [InlineData(":25", "':25' has an empty host")]
    [InlineData("[]:25", "'[]:25' has an empty host")]
    [InlineData("", "is empty")]
    [InlineData("[127.0.0.1:25", "unbalanced brackets")]
    [InlineData("[[::1]]:25", "unbalanced brackets")]
    [InlineData("127.0.0.1]:25", "misplaced brackets")]
    [InlineData("[::1]25", "has '25' after ']'")]
    [InlineData("::1:25", "looks like an IPv6 address; write it in brackets")]
    [InlineData("[mx.test]:25", "'[mx.test]' is not an IP address")]
    [InlineData("999.0.0.1:25", "'999.0.0.1' is not an IPv4 address")]
    [InlineData("127.1:25", "'127.1' is not a valid host name")]
    [InlineData("mx_1.test:25", "'mx_1.test' is not a valid host name")]
    [InlineData("a..test:25", "'a..test' is not a valid host name")]
    public void TryParseHostPort_names_what_is_wrong(string text, string expected)
    {
        Assert.False(Destination.TryParseHostPort(text, out _, out var port, out _, out var error));
        Assert.Equal(0, port);
        Assert.NotNull(error);
        Assert.Contains(expected, error, StringComparison.Ordinal);
    }

    [Fact]
    public void NextHop_throws_with_the_parse_error()
    {
        var error = Assert.Throws<ArgumentException>(() => Destination.NextHop("mx.test"));
        Assert.Contains("'mx.test' has no port", error.Message, StringComparison.Ordinal);
    }
}
