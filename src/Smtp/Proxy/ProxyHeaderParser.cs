using System.Buffers;
using System.Buffers.Binary;
using System.Net;

namespace SmarthostLab.Smtp.Proxy;

/// <summary>
/// Parses the PROXY protocol header a load balancer (HAProxy <c>send-proxy</c> / <c>send-proxy-v2</c>) sends before
/// any byte of the client's, per HAProxy's proxy-protocol.txt: version 1 (2.1, one text line of at most 107 octets)
/// and version 2 (2.2, a 16-octet binary preamble, the address block and TLVs). Pure: no I/O, no logging; it looks
/// at no more than the header's bound (<see cref="MaxV2Length"/>) and allocates only the endpoints it returns.
/// Called again with more input after <see cref="ProxyHeaderStatus.Incomplete"/>, so a header split across reads parses.
/// </summary>
public static class ProxyHeaderParser
{
    /// <summary>Longest v1 header, "PROXY" to CRLF (proxy-protocol.txt 2.1: 107 octets).</summary>
    public const int MaxV1Length = 107;

    /// <summary>
    /// Longest v2 header accepted, preamble, addresses and TLVs (the format allows 16 + 65,535 octets). HAProxy's
    /// <c>send-proxy-v2</c> sends 28 (IPv4) or 52 (IPv6) octets plus the TLVs its <c>proxy-v2-options</c> ask for,
    /// cloud balancers a few dozen more; 2,048 leaves room for those and bounds what a connection can make us hold.
    /// </summary>
    public const int MaxV2Length = 2048;

    /// <summary>The v2 signature (proxy-protocol.txt 2.2): \r\n\r\n\0\r\nQUIT\n.</summary>
    public static ReadOnlySpan<byte> V2Signature => [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    private static ReadOnlySpan<byte> V1Prefix => "PROXY "u8;

    /// <summary>Parses the header at the start of <paramref name="input"/>.</summary>
    /// <param name="input">What the connection has sent so far.</param>
    /// <param name="header">The header when <see cref="ProxyHeaderStatus.Parsed"/>.</param>
    /// <param name="problem">What is wrong, for logs and refusal records, when the status is neither Parsed nor Incomplete.</param>
    public static ProxyHeaderStatus TryParse(in ReadOnlySequence<byte> input, out ProxyHeader header, out string problem)
    {
        var length = (int)Math.Min(input.Length, MaxV2Length);
        if (input.FirstSpan.Length >= length) return TryParse(input.FirstSpan[..length], out header, out problem);
        Span<byte> copy = stackalloc byte[length];
        input.Slice(0, length).CopyTo(copy);
        return TryParse(copy, out header, out problem);
    }

    /// <summary>Parses the header at the start of <paramref name="input"/> (see the sequence overload).</summary>
    public static ProxyHeaderStatus TryParse(ReadOnlySpan<byte> input, out ProxyHeader header, out string problem)
    {
        header = default;
        problem = "";
        if (input.IsEmpty) return ProxyHeaderStatus.Incomplete;
        if (StartsWithPrefixOf(input, V2Signature)) return ParseV2(input, out header, out problem);
        if (StartsWithPrefixOf(input, V1Prefix)) return ParseV1(input, out header, out problem);
        problem = "no PROXY protocol header: the connection started with other data";
        return ProxyHeaderStatus.Missing;
    }

    /// <summary>True when <paramref name="input"/> and <paramref name="prefix"/> agree on their common length.</summary>
    private static bool StartsWithPrefixOf(ReadOnlySpan<byte> input, ReadOnlySpan<byte> prefix)
    {
        var n = Math.Min(input.Length, prefix.Length);
        return input[..n].SequenceEqual(prefix[..n]);
    }

    // proxy-protocol.txt 2.1: "PROXY" SP ( "TCP4" | "TCP6" ) SP src SP dst SP sport SP dport CRLF, or "PROXY UNKNOWN" [anything] CRLF.
    private static ProxyHeaderStatus ParseV1(ReadOnlySpan<byte> input, out ProxyHeader header, out string problem)
    {
        header = default;
        problem = "";
        var window = input[..Math.Min(input.Length, MaxV1Length)];
        var lf = window.IndexOf((byte)'\n');
        if (lf < 0)
        {
            if (window.Length < MaxV1Length) return ProxyHeaderStatus.Incomplete;
            problem = $"v1 header longer than {MaxV1Length} octets";
            return ProxyHeaderStatus.TooLong;
        }
        if (lf < V1Prefix.Length || window[lf - 1] != (byte)'\r')
        {
            problem = "v1 header line not ended by CRLF";
            return ProxyHeaderStatus.Malformed;
        }
        var line = window[V1Prefix.Length..(lf - 1)];
        var length = lf + 1;
        var space = line.IndexOf((byte)' ');
        var protocol = space < 0 ? line : line[..space];
        if (protocol.SequenceEqual("UNKNOWN"u8))
        {
            // "the receiver must ignore anything presented before the CRLF is found" and use the real endpoints.
            header = new ProxyHeader(1, ProxyCommand.Local, null, null, length);
            return ProxyHeaderStatus.Parsed;
        }
        var v4 = protocol.SequenceEqual("TCP4"u8);
        if (!v4 && !protocol.SequenceEqual("TCP6"u8))
        {
            problem = "v1 header: protocol is not TCP4, TCP6 or UNKNOWN";
            return ProxyHeaderStatus.Malformed;
        }
        if (space < 0)
        {
            problem = "v1 header: addresses missing";
            return ProxyHeaderStatus.Malformed;
        }
        var rest = line[(space + 1)..];
        if (!NextField(ref rest, out var src) || !NextField(ref rest, out var dst) || !NextField(ref rest, out var sport) || rest.IsEmpty
            || rest.IndexOf((byte)' ') >= 0)
        {
            problem = "v1 header: expected source address, destination address, source port and destination port separated by single spaces";
            return ProxyHeaderStatus.Malformed;
        }
        var dport = rest;
        if (!TryParseAddress(src, v4, out var source) || !TryParseAddress(dst, v4, out var destination))
        {
            problem = v4 ? "v1 header: bad IPv4 address" : "v1 header: bad IPv6 address";
            return ProxyHeaderStatus.Malformed;
        }
        if (!TryParsePort(sport, out var sourcePort) || !TryParsePort(dport, out var destinationPort))
        {
            problem = "v1 header: bad port";
            return ProxyHeaderStatus.Malformed;
        }
        header = new ProxyHeader(1, ProxyCommand.Proxy, new IPEndPoint(source!, sourcePort), new IPEndPoint(destination!, destinationPort), length);
        return ProxyHeaderStatus.Parsed;
    }

    /// <summary>Takes the text up to the next single space; false when there is none or the field is empty.</summary>
    private static bool NextField(ref ReadOnlySpan<byte> rest, out ReadOnlySpan<byte> field)
    {
        var space = rest.IndexOf((byte)' ');
        field = space < 0 ? default : rest[..space];
        if (space <= 0) return false;
        rest = rest[(space + 1)..];
        return true;
    }

    private static bool TryParseAddress(ReadOnlySpan<byte> text, bool v4, out IPAddress? address)
    {
        address = null;
        return v4 ? TryParseIPv4(text, out address) : TryParseIPv6(text, out address);
    }

    /// <summary>Four dotted decimal octets, nothing else (no shorthand, hex or octal forms).</summary>
    private static bool TryParseIPv4(ReadOnlySpan<byte> text, out IPAddress? address)
    {
        address = null;
        Span<byte> octets = stackalloc byte[4];
        var part = 0;
        var value = 0;
        var digits = 0;
        foreach (var c in text)
        {
            if (c == (byte)'.')
            {
                if (digits == 0 || part == 3) return false;
                octets[part++] = (byte)value;
                value = digits = 0;
            }
            else if (c is >= (byte)'0' and <= (byte)'9' && digits < 3)
            {
                value = value * 10 + (c - '0');
                digits++;
                if (value > 255) return false;
            }
            else return false;
        }
        if (digits == 0 || part != 3) return false;
        octets[3] = (byte)value;
        address = new IPAddress(octets);
        return true;
    }

    /// <summary>An IPv6 address in its text forms (RFC 4291 2.2), no zone index.</summary>
    private static bool TryParseIPv6(ReadOnlySpan<byte> text, out IPAddress? address)
    {
        address = null;
        if (text.Length is < 2 or > 45) return false;
        Span<char> chars = stackalloc char[45];
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (!(char.IsAsciiHexDigit((char)c) || c is (byte)':' or (byte)'.')) return false;
            chars[i] = (char)c;
        }
        return IPAddress.TryParse(chars[..text.Length], out address) && address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6;
    }

    /// <summary>A decimal port, 0 to 65535, at most 5 digits.</summary>
    private static bool TryParsePort(ReadOnlySpan<byte> text, out int port)
    {
        port = 0;
        if (text.Length is 0 or > 5) return false;
        foreach (var c in text)
        {
            if (c is < (byte)'0' or > (byte)'9') return false;
            port = port * 10 + (c - '0');
        }
        return port <= 65535;
    }

    // proxy-protocol.txt 2.2: signature (12), version/command (1), family/transport (1), length (2, network order), addresses, TLVs.
    private static ProxyHeaderStatus ParseV2(ReadOnlySpan<byte> input, out ProxyHeader header, out string problem)
    {
        header = default;
        problem = "";
        if (input.Length < 16) return ProxyHeaderStatus.Incomplete;
        var versionCommand = input[12];
        if (versionCommand >> 4 != 2)
        {
            problem = $"v2 header: unsupported version {versionCommand >> 4}";
            return ProxyHeaderStatus.Malformed;
        }
        var command = (versionCommand & 0x0F) switch
        {
            0 => ProxyCommand.Local,
            1 => ProxyCommand.Proxy,
            _ => (ProxyCommand)(-1),
        };
        if ((int)command < 0)
        {
            problem = $"v2 header: unknown command {versionCommand & 0x0F}";
            return ProxyHeaderStatus.Malformed;
        }
        var length = 16 + BinaryPrimitives.ReadUInt16BigEndian(input[14..]);
        if (length > MaxV2Length)
        {
            problem = $"v2 header of {length} octets, more than the {MaxV2Length} accepted";
            return ProxyHeaderStatus.TooLong;
        }
        if (input.Length < length) return ProxyHeaderStatus.Incomplete;
        if (command == ProxyCommand.Local)
        {
            // "the receiver must accept this connection as valid and must use the real connection endpoints and discard
            // the protocol block including the family which is ignored."
            header = new ProxyHeader(2, ProxyCommand.Local, null, null, length);
            return ProxyHeaderStatus.Parsed;
        }
        var family = input[13] >> 4;
        var transport = input[13] & 0x0F;
        if (family > 3 || transport > 2)
        {
            problem = $"v2 header: unknown address family/transport 0x{input[13]:X2}";
            return ProxyHeaderStatus.Malformed;
        }
        var addressLength = family switch { 1 => 12, 2 => 36, 3 => 216, _ => 0 };
        var block = input[16..length];
        if (block.Length < addressLength)
        {
            problem = $"v2 header: address block of {block.Length} octets, the family needs {addressLength}";
            return ProxyHeaderStatus.Malformed;
        }
        if (!TlvsAreFramed(block[addressLength..]))
        {
            problem = "v2 header: a TLV overruns the header";
            return ProxyHeaderStatus.Malformed;
        }
        IPEndPoint? source = null, destination = null;
        if (family == 1)
        {
            source = new IPEndPoint(new IPAddress(block[..4]), BinaryPrimitives.ReadUInt16BigEndian(block[8..]));
            destination = new IPEndPoint(new IPAddress(block[4..8]), BinaryPrimitives.ReadUInt16BigEndian(block[10..]));
        }
        else if (family == 2)
        {
            source = new IPEndPoint(new IPAddress(block[..16]), BinaryPrimitives.ReadUInt16BigEndian(block[32..]));
            destination = new IPEndPoint(new IPAddress(block[16..32]), BinaryPrimitives.ReadUInt16BigEndian(block[34..]));
        }
        // UNSPEC and UNIX: no IP address to give; "the receiver must use the real connection endpoints".
        header = new ProxyHeader(2, ProxyCommand.Proxy, source, destination, length);
        return ProxyHeaderStatus.Parsed;
    }

    /// <summary>The TLVs (type, 2-octet length, value; proxy-protocol.txt 2.2.7) fill the rest exactly; their contents are skipped.</summary>
    private static bool TlvsAreFramed(ReadOnlySpan<byte> tlvs)
    {
        while (!tlvs.IsEmpty)
        {
            if (tlvs.Length < 3) return false;
            var next = 3 + BinaryPrimitives.ReadUInt16BigEndian(tlvs[1..]);
            if (next > tlvs.Length) return false;
            tlvs = tlvs[next..];
        }
        return true;
    }
}
