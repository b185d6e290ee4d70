using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace SmarthostLab.Tests.Support;

/// <summary>PROXY protocol headers (HAProxy's proxy-protocol.txt) as a load balancer sends them, for tests that play the balancer.</summary>
public static class ProxyHeaders
{
    /// <summary>The v2 signature.</summary>
    public static readonly byte[] V2Signature = [0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A];

    /// <summary>A v1 line: <c>PROXY TCP4 src dst sport dport\r\n</c> (TCP6 for IPv6 sources).</summary>
    public static byte[] V1(IPAddress source, int sourcePort, IPAddress destination, int destinationPort)
    {
        var protocol = source.AddressFamily == AddressFamily.InterNetworkV6 ? "TCP6" : "TCP4";
        return Encoding.ASCII.GetBytes($"PROXY {protocol} {source} {destination} {sourcePort} {destinationPort}\r\n");
    }

    /// <summary>A v2 PROXY header for a TCP connection from <paramref name="source"/>, with optional raw TLV octets after the addresses.</summary>
    public static byte[] V2(IPEndPoint source, IPEndPoint destination, byte[]? tlvs = null)
    {
        var v6 = source.AddressFamily == AddressFamily.InterNetworkV6;
        var addressLength = v6 ? 36 : 12;
        var block = new byte[addressLength + (tlvs?.Length ?? 0)];
        var size = v6 ? 16 : 4;
        source.Address.TryWriteBytes(block.AsSpan(0, size), out _);
        destination.Address.TryWriteBytes(block.AsSpan(size, size), out _);
        BinaryPrimitives.WriteUInt16BigEndian(block.AsSpan(2 * size), (ushort)source.Port);
        BinaryPrimitives.WriteUInt16BigEndian(block.AsSpan(2 * size + 2), (ushort)destination.Port);
        tlvs?.CopyTo(block, addressLength);
        return V2Raw(0x21, v6 ? (byte)0x21 : (byte)0x11, block);
    }

    /// <summary>A v2 LOCAL header (a balancer's health check) with an empty address block.</summary>
    public static byte[] V2Local() => V2Raw(0x20, 0x00, []);

    /// <summary>A v2 header from its parts: version/command octet, family/transport octet and the block after the preamble.</summary>
    public static byte[] V2Raw(byte versionCommand, byte familyTransport, byte[] block)
    {
        var header = new byte[16 + block.Length];
        V2Signature.CopyTo(header, 0);
        header[12] = versionCommand;
        header[13] = familyTransport;
        BinaryPrimitives.WriteUInt16BigEndian(header.AsSpan(14), (ushort)block.Length);
        block.CopyTo(header, 16);
        return header;
    }

    /// <summary>One TLV: type, 2-octet length, value.</summary>
    public static byte[] Tlv(byte type, byte[] value)
    {
        var tlv = new byte[3 + value.Length];
        tlv[0] = type;
        BinaryPrimitives.WriteUInt16BigEndian(tlv.AsSpan(1), (ushort)value.Length);
        value.CopyTo(tlv, 3);
        return tlv;
    }
}
