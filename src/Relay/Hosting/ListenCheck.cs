using System.Net;
using System.Net.Sockets;

namespace SmarthostLab.Relay.Hosting;

/// <summary>
/// Tells which configured endpoint cannot be listened on, as one line naming its key
/// ("cannot listen on 127.0.0.1:2525 (Smtp:Listen): address already in use"). Each endpoint is bound once before
/// the host starts, so the usual failure (a port in use, a privileged port, an address the machine lacks) stops the
/// start before anything is made in the data folder and before Kestrel logs its own error with a stack trace.
/// </summary>
internal static class ListenCheck
{
    /// <summary>Binds and releases each endpoint in turn.</summary>
    /// <exception cref="RelayStartException">An endpoint cannot be bound.</exception>
    public static void ThrowIfUnavailable(IEnumerable<(string Key, IPEndPoint EndPoint)> listeners)
    {
        if (FindUnavailable(listeners, cause: null) is { } problem) throw problem;
    }

    /// <summary>
    /// After Kestrel failed to bind with <paramref name="exception"/> (the host stopped, its sockets closed): the
    /// endpoint that cannot be bound now, or the bare reason when each can (another program let go meanwhile).
    /// Null when the failure was not about binding.
    /// </summary>
    public static RelayStartException? Diagnose(Exception exception, IEnumerable<(string Key, IPEndPoint EndPoint)> listeners)
    {
        var socket = exception as SocketException;
        if (socket is null && exception is IOException && exception.Message.StartsWith("Failed to bind", StringComparison.Ordinal))
        {
            for (var inner = exception.InnerException; inner is not null && socket is null; inner = inner.InnerException)
                socket = inner as SocketException;
        }
        if (socket is null) return null;
        return FindUnavailable(listeners, exception) ?? new RelayStartException($"cannot listen: {Describe(socket)}", exception);
    }

    private static RelayStartException? FindUnavailable(IEnumerable<(string Key, IPEndPoint EndPoint)> listeners, Exception? cause)
    {
        foreach (var (key, endPoint) in listeners)
        {
            try
            {
                using var socket = new Socket(endPoint.AddressFamily, SocketType.Stream, ProtocolType.Tcp);
                // As Kestrel binds "*": one dual-mode socket for IPv6 and IPv4.
                if (endPoint.Address.Equals(IPAddress.IPv6Any)) socket.DualMode = true;
                socket.Bind(endPoint);
            }
            catch (SocketException exception)
            {
                return new RelayStartException($"cannot listen on {endPoint} ({key}): {Describe(exception)}", cause ?? exception);
            }
        }
        return null;
    }

    private static string Describe(SocketException exception) => exception.SocketErrorCode switch
    {
        SocketError.AddressAlreadyInUse => "address already in use",
        SocketError.AccessDenied => "permission denied (a port below 1024 needs privileges)",
        SocketError.AddressNotAvailable => "no interface of this machine has that address",
        _ => exception.Message.TrimEnd('.').ToLowerInvariant(),
    };
}
