namespace SmarthostLab.Smtp.Proxy;

/// <summary>The outcome of <see cref="ProxyHeaderParser.TryParse(in System.Buffers.ReadOnlySequence{byte}, out ProxyHeader, out string)"/>.</summary>
public enum ProxyHeaderStatus
{
    /// <summary>A whole, valid header: <see cref="ProxyHeader.Length"/> octets to consume.</summary>
    Parsed,
    /// <summary>What arrived so far is the start of a header: read more.</summary>
    Incomplete,
    /// <summary>The input does not start with a PROXY header (e.g. the client spoke SMTP first).</summary>
    Missing,
    /// <summary>A header that breaks the protocol (bad version, command, family, address, port, TLV framing).</summary>
    Malformed,
    /// <summary>A header longer than the bound: 107 octets for v1, <see cref="ProxyHeaderParser.MaxV2Length"/> for v2.</summary>
    TooLong,
}
