using System.Net;
using System.Net.Sockets;

namespace SmarthostLab.Tests.Support;

/// <summary>The TCP socket of the test clients: connected to a server, from a chosen local address when given.</summary>
internal static class ClientSocket
{
    /// <summary>Connects to <paramref name="server"/> from <paramref name="local"/>; <paramref name="receiveBufferSize"/> set before connecting.</summary>
    public static async Task<Socket> ConnectAsync(IPEndPoint server, IPAddress? local, int? receiveBufferSize = null)
    {
        var socket = new Socket(server.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            if (receiveBufferSize is { } size) socket.ReceiveBufferSize = size;
            if (local is not null) socket.Bind(new IPEndPoint(local, 0));
            await socket.ConnectAsync(server);
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }
}
