using System.Net.Sockets;

namespace SmarthostLab.Bench.Soak;

/// <summary>
/// Whether the peer has closed a connection, without reading from it: on Linux the socket's TCP state from
/// <c>getsockopt(TCP_INFO)</c> (ESTABLISHED until the peer's FIN or RST arrives, whatever is left unread), so a
/// hostile client that never reads can still time how long the relay kept it.
/// </summary>
internal static class TcpState
{
    private const int IpProtocolTcp = 6;
    private const int TcpInfo = 11;
    private const byte Established = 1;

    /// <summary>True while the connection is established (the peer has sent neither FIN nor RST).</summary>
    public static bool IsEstablished(Socket socket)
    {
        try
        {
            if (OperatingSystem.IsLinux())
            {
                Span<byte> info = stackalloc byte[8]; // struct tcp_info starts with u8 tcpi_state
                socket.GetRawSocketOption(IpProtocolTcp, TcpInfo, info);
                return info[0] == Established;
            }
            // Elsewhere: readable with nothing to read means the peer closed (exact only for a client that reads).
            return !(socket.Poll(0, SelectMode.SelectRead) && socket.Available == 0);
        }
        catch (Exception e) when (e is SocketException or ObjectDisposedException)
        {
            return false;
        }
    }
}
