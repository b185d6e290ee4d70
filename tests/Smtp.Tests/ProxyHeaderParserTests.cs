using System.Net;
using System.Text;
using SmarthostLab.Smtp.Proxy;
using SmarthostLab.Smtp.Tests.Support;
using SmarthostLab.Tests.Support;

namespace SmarthostLab.Smtp.Tests;

/// <summary>The PROXY protocol header parser (HAProxy's proxy-protocol.txt, v1 and v2), every branch, every prefix and split.</summary>
public sealed class ProxyHeaderParserTests
{
    private static readonly IPEndPoint Client4 = new(IPAddress.Parse("127.0.0.2"), 40000);
    private static readonly IPEndPoint Front4 = new(IPAddress.Parse("127.0.0.1"), 25);
    private static readonly IPEndPoint Client6 = new(IPAddress.Parse("2001:db8::2"), 40001);
    private static readonly IPEndPoint Front6 = new(IPAddress.Parse("2001:db8::1"), 587);

    private static ProxyHeaderStatus Parse(byte[] input, out ProxyHeader header, out string problem) =>
        ProxyHeaderParser.TryParse(SequenceBuilder.Create(input), out header, out problem);

    private static ProxyHeaderStatus Parse(string input, out ProxyHeader header) => Parse(Encoding.ASCII.GetBytes(input), out header, out _);

    [Fact]
    public void V1_TCP4_names_the_client_and_consumes_the_line_only()
    {
        var input = Encoding.ASCII.GetBytes("PROXY TCP4 127.0.0.2 127.0.0.1 40000 25\r\nEHLO x\r\n");
        Assert.Equal(ProxyHeaderStatus.Parsed, Parse(input, out var header, out _));
        Assert.Equal(1, header.Version);
        Assert.Equal(ProxyCommand.Proxy, header.Command);
        Assert.Equal(Client4, header.Source);
        Assert.Equal(Front4, header.Destination);
        Assert.Equal("PROXY TCP4 127.0.0.2 127.0.0.1 40000 25\r\n".Length, header.Length);
        Assert.False(header.IsLocal);
    }

    [Fact]
    public void V1_TCP6_names_the_client()
    {
        Assert.Equal(ProxyHeaderStatus.Parsed, Parse("PROXY TCP6 2001:db8::2 2001:db8::1 40001 587\r\n", out var header));
        Assert.Equal(Client6, header.Source);
        Assert.Equal(Front6, header.Destination);
    }

    [Fact]
    public void V1_TCP6_takes_an_IPv4_mapped_address()
    {
        Assert.Equal(ProxyHeaderStatus.Parsed, Parse("PROXY TCP6 ::ffff:127.0.0.2 ::1 1 2\r\n", out var header));
        Assert.Equal(IPAddress.Parse("::ffff:127.0.0.2"), header.Source!.Address);
    }

    [Theory]
    [InlineData("PROXY UNKNOWN\r\n")]
    [InlineData("PROXY UNKNOWN 127.0.0.2 127.0.0.1 1 2\r\n")]
    [InlineData("PROXY UNKNOWN whatever the proxy likes\r\n")]
    public void V1_UNKNOWN_is_the_proxys_own_connection(string line)
    {
        Assert.Equal(ProxyHeaderStatus.Parsed, Parse(line, out var header));
        Assert.Equal(ProxyCommand.Local, header.Command);
        Assert.True(header.IsLocal);
        Assert.Null(header.Source);
        Assert.Equal(line.Length, header.Length);
    }

    [Fact]
    public void V1_of_the_longest_form_107_octets_parses()
    {
        var line = "PROXY UNKNOWN ffff:f...f:ffff ffff:f...f:ffff 65535 65535".PadRight(105, 'f') + "\r\n";
        Assert.Equal(107, line.Length);
        Assert.Equal(ProxyHeaderStatus.Parsed, Parse(line, out var header));
        Assert.Equal(107, header.Length);
        var longest = "PROXY TCP6 ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n";
        Assert.Equal(ProxyHeaderStatus.Parsed, Parse(longest, out header));
        Assert.Equal(65535, header.Source!.Port);
    }

    [Fact]
    public void V1_without_CRLF_in_107_octets_is_too_long()
    {
        var line = "PROXY UNKNOWN " + new string('x', 200) + "\r\n";
        Assert.Equal(ProxyHeaderStatus.TooLong, Parse(Encoding.ASCII.GetBytes(line), out _, out var problem));
        Assert.Contains("107", problem);
    }

    [Theory]
    [InlineData("PROXY TCP4 127.0.0.2 127.0.0.1 40000 25\n", "CRLF")]
    [InlineData("PROXY \r\n", "protocol")]
    [InlineData("PROXY UDP4 127.0.0.2 127.0.0.1 1 2\r\n", "protocol")]
    [InlineData("PROXY tcp4 127.0.0.2 127.0.0.1 1 2\r\n", "protocol")]
    [InlineData("PROXY TCP4\r\n", "addresses")]
    [InlineData("PROXY TCP4 127.0.0.2 127.0.0.1 40000\r\n", "single spaces")]
    [InlineData("PROXY TCP4 127.0.0.2 127.0.0.1 40000 25 9\r\n", "single spaces")]
    [InlineData("PROXY TCP4 127.0.0.2  127.0.0.1 40000 25\r\n", "single spaces")]
    [InlineData("PROXY TCP4 127.0.0.2 127.0.0.1 40000 \r\n", "single spaces")]
    [InlineData("PROXY TCP4 127.0.0 127.0.0.1 1 2\r\n", "IPv4")]
    [InlineData("PROXY TCP4 127.0.0.256 127.0.0.1 1 2\r\n", "IPv4")]
    [InlineData("PROXY TCP4 127.0.0.1.1 127.0.0.1 1 2\r\n", "IPv4")]
    [InlineData("PROXY TCP4 0x7f.0.0.1 127.0.0.1 1 2\r\n", "IPv4")]
    [InlineData("PROXY TCP4 1 127.0.0.1 1 2\r\n", "IPv4")]
    [InlineData("PROXY TCP4 127..0.1 127.0.0.1 1 2\r\n", "IPv4")]
    [InlineData("PROXY TCP4 127.0.0.2 ::1 1 2\r\n", "IPv4")]
    [InlineData("PROXY TCP6 127.0.0.2 ::1 1 2\r\n", "IPv6")]
    [InlineData("PROXY TCP6 fe80::1%eth0 ::1 1 2\r\n", "IPv6")]
    [InlineData("PROXY TCP6 2001:db8:::1 ::1 1 2\r\n", "IPv6")]
    [InlineData("PROXY TCP4 127.0.0.2 127.0.0.1 65536 25\r\n", "port")]
    [InlineData("PROXY TCP4 127.0.0.2 127.0.0.1 -1 25\r\n", "port")]
    [InlineData("PROXY TCP4 127.0.0.2 127.0.0.1 1 123456\r\n", "port")]
    [InlineData("PROXY TCP4 127.0.0.2 127.0.0.1 1 2x\r\n", "port")]
    public void V1_malformed_lines_are_refused_naming_the_problem(string line, string named)
    {
        Assert.Equal(ProxyHeaderStatus.Malformed, Parse(Encoding.ASCII.GetBytes(line), out _, out var problem));
        Assert.Contains(named, problem);
    }

    [Theory]
    [InlineData("EHLO client.test\r\n")]
    [InlineData("HELO x\r\n")]
    [InlineData("PROXY\r\n")]
    [InlineData("\r\nEHLO x\r\n")]
    [InlineData("\u0016\u0003\u0001")] // a TLS ClientHello
    public void Anything_else_first_is_a_missing_header(string input)
    {
        Assert.Equal(ProxyHeaderStatus.Missing, Parse(Encoding.Latin1.GetBytes(input), out _, out var problem));
        Assert.Contains("no PROXY protocol header", problem);
    }

    [Fact]
    public void V2_PROXY_IPv4_names_the_client_and_consumes_the_header_only()
    {
        var header = ProxyHeaders.V2(Client4, Front4);
        Assert.Equal(28, header.Length);
        Assert.Equal(ProxyHeaderStatus.Parsed, Parse([.. header, .. "EHLO x\r\n"u8.ToArray()], out var parsed, out _));
        Assert.Equal(2, parsed.Version);
        Assert.Equal(ProxyCommand.Proxy, parsed.Command);
        Assert.Equal(Client4, parsed.Source);
        Assert.Equal(Front4, parsed.Destination);
        Assert.Equal(28, parsed.Length);
    }

    [Fact]
    public void V2_PROXY_IPv6_names_the_client()
    {
        var header = ProxyHeaders.V2(Client6, Front6);
        Assert.Equal(52, header.Length);
        Assert.Equal(ProxyHeaderStatus.Parsed, Parse(header, out var parsed, out _));
        Assert.Equal(Client6, parsed.Source);
        Assert.Equal(Front6, parsed.Destination);
    }

    [Fact]
    public void V2_LOCAL_is_the_proxys_own_connection_whatever_its_block_holds()
    {
        Assert.Equal(ProxyHeaderStatus.Parsed, Parse(ProxyHeaders.V2Local(), out var parsed, out _));
        Assert.Equal(ProxyCommand.Local, parsed.Command);
        Assert.True(parsed.IsLocal);
        Assert.Equal(16, parsed.Length);
        // HAProxy's health checks may send LOCAL with the family and addresses of the check connection: ignored.
        var withAddresses = ProxyHeaders.V2Raw(0x20, 0x11, new byte[12]);
        Assert.Equal(ProxyHeaderStatus.Parsed, Parse(withAddresses, out parsed, out _));
        Assert.True(parsed.IsLocal);
        Assert.Equal(28, parsed.Length);
        // and even a family value the PROXY command would refuse
        Assert.Equal(ProxyHeaderStatus.Parsed, Parse(ProxyHeaders.V2Raw(0x20, 0xFF, new byte[3]), out parsed, out _));
        Assert.True(parsed.IsLocal);
    }

    [Theory]
    [InlineData(0x31, 216)] // UNIX stream: two 108-octet paths
    [InlineData(0x32, 216)] // UNIX datagram
    [InlineData(0x00, 0)]   // UNSPEC
    [InlineData(0x01, 5)]   // UNSPEC family, stream, with some block
    public void V2_PROXY_without_IP_addresses_uses_the_TCP_peer(byte familyTransport, int blockLength)
    {
        Assert.Equal(ProxyHeaderStatus.Parsed, Parse(ProxyHeaders.V2Raw(0x21, familyTransport, MakeTlvFiller(blockLength)), out var parsed, out _));
        Assert.Equal(ProxyCommand.Proxy, parsed.Command);
        Assert.Null(parsed.Source);
        Assert.True(parsed.IsLocal);
    }

    private static byte[] MakeTlvFiller(int length) => length switch
    {
        0 => [],
        5 => ProxyHeaders.Tlv(0x04, new byte[2]), // a NOOP TLV fills the block
        _ => new byte[length],
    };

    [Fact]
    public void V2_TLVs_are_skipped_and_counted_in_the_length()
    {
        var tlvs = (byte[])[.. ProxyHeaders.Tlv(0x02, "relay.test"u8.ToArray()), .. ProxyHeaders.Tlv(0x04, new byte[40]), .. ProxyHeaders.Tlv(0x05, [])];
        var header = ProxyHeaders.V2(Client4, Front4, tlvs);
        Assert.Equal(ProxyHeaderStatus.Parsed, Parse([.. header, .. "EHLO"u8.ToArray()], out var parsed, out _));
        Assert.Equal(Client4, parsed.Source);
        Assert.Equal(header.Length, parsed.Length);
    }

    [Theory]
    [InlineData(new byte[] { 0x02 })]
    [InlineData(new byte[] { 0x02, 0x00 })]
    [InlineData(new byte[] { 0x02, 0x00, 0x05, 1, 2, 3, 4 })]
    public void V2_a_TLV_overrunning_the_header_is_malformed(byte[] tlvs)
    {
        Assert.Equal(ProxyHeaderStatus.Malformed, Parse(ProxyHeaders.V2(Client4, Front4, tlvs), out _, out var problem));
        Assert.Contains("TLV", problem);
    }

    [Theory]
    [InlineData(0x11, 0x11, "version")]  // version 1 in a v2 preamble
    [InlineData(0x31, 0x11, "version")]
    [InlineData(0x22, 0x11, "command")]
    [InlineData(0x2F, 0x11, "command")]
    [InlineData(0x21, 0x41, "family")]
    [InlineData(0x21, 0x13, "family")]   // transport 3
    public void V2_bad_version_command_or_family_is_malformed(byte versionCommand, byte familyTransport, string named)
    {
        Assert.Equal(ProxyHeaderStatus.Malformed, Parse(ProxyHeaders.V2Raw(versionCommand, familyTransport, new byte[12]), out _, out var problem));
        Assert.Contains(named, problem);
    }

    [Theory]
    [InlineData(0x11, 11)]
    [InlineData(0x21, 35)]
    [InlineData(0x31, 215)]
    public void V2_an_address_block_shorter_than_the_family_needs_is_malformed(byte familyTransport, int blockLength)
    {
        Assert.Equal(ProxyHeaderStatus.Malformed, Parse(ProxyHeaders.V2Raw(0x21, familyTransport, new byte[blockLength]), out _, out var problem));
        Assert.Contains("address block", problem);
    }

    [Fact]
    public void V2_longer_than_the_bound_is_refused_from_its_length_field_alone()
    {
        var preamble = ProxyHeaders.V2Raw(0x21, 0x11, new byte[ProxyHeaderParser.MaxV2Length])[..16];
        Assert.Equal(ProxyHeaderStatus.TooLong, Parse(preamble, out _, out var problem));
        Assert.Contains("2048", problem);
        var largest = ProxyHeaders.V2(Client4, Front4, ProxyHeaders.Tlv(0x04, new byte[ProxyHeaderParser.MaxV2Length - 28 - 3]));
        Assert.Equal(ProxyHeaderParser.MaxV2Length, largest.Length);
        Assert.Equal(ProxyHeaderStatus.Parsed, Parse(largest, out var parsed, out _));
        Assert.Equal(ProxyHeaderParser.MaxV2Length, parsed.Length);
    }

    [Fact]
    public void A_bad_signature_is_a_missing_header()
    {
        var header = ProxyHeaders.V2(Client4, Front4);
        header[11] = 0x0B;
        Assert.Equal(ProxyHeaderStatus.Missing, Parse(header, out _, out _));
    }

    public static TheoryData<string, byte[]> Headers() => new()
    {
        { "v1 TCP4", Encoding.ASCII.GetBytes("PROXY TCP4 127.0.0.2 127.0.0.1 40000 25\r\n") },
        { "v1 TCP6", Encoding.ASCII.GetBytes("PROXY TCP6 2001:db8::2 2001:db8::1 40001 587\r\n") },
        { "v1 UNKNOWN", Encoding.ASCII.GetBytes("PROXY UNKNOWN\r\n") },
        { "v2 IPv4", ProxyHeaders.V2(Client4, Front4) },
        { "v2 IPv6 TLVs", ProxyHeaders.V2(Client6, Front6, ProxyHeaders.Tlv(0x02, "relay.test"u8.ToArray())) },
        { "v2 LOCAL", ProxyHeaders.V2Local() },
    };

    [Theory]
    [MemberData(nameof(Headers))]
    public void Every_proper_prefix_is_incomplete_and_every_split_parses_alike(string name, byte[] header)
    {
        Assert.Equal(ProxyHeaderStatus.Parsed, Parse(header, out var whole, out _));
        for (var n = 0; n < header.Length; n++)
            Assert.True(Parse(header[..n], out _, out _) == ProxyHeaderStatus.Incomplete, $"{name}: prefix of {n} octets");
        for (var split = 1; split < header.Length; split++)
        {
            for (var second = split; second < header.Length; second++)
            {
                var sequence = SequenceBuilder.Create(header[..split], [], header[split..second], header[second..]);
                Assert.Equal(ProxyHeaderStatus.Parsed, ProxyHeaderParser.TryParse(sequence, out var parsed, out _));
                Assert.Equal(whole, parsed);
            }
        }
    }

    [Fact]
    public void Random_input_never_throws_and_a_parsed_header_is_within_its_bounds()
    {
        var random = new Random(18);
        var seeds = Headers().Select(row => (byte[])row[1]).ToArray();
        for (var i = 0; i < 20_000; i++)
        {
            var input = (byte[])seeds[i % seeds.Length].Clone();
            var flips = random.Next(1, 4);
            for (var f = 0; f < flips; f++) input[random.Next(input.Length)] = (byte)random.Next(256);
            var status = Parse(input[..random.Next(input.Length + 1)], out var header, out var problem);
            if (status == ProxyHeaderStatus.Parsed) Assert.InRange(header.Length, 15, input.Length);
            else if (status != ProxyHeaderStatus.Incomplete) Assert.NotEmpty(problem);
        }
    }
}
