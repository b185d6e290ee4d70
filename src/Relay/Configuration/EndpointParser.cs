using System.Globalization;
using System.Net;

namespace SmarthostLab.Relay.Configuration;

/// <summary>Parses the HOST:PORT endpoints of the configuration (<c>127.0.0.1:2525</c>, <c>[::1]:2525</c>, <c>localhost:0</c>, <c>*:25</c>).</summary>
public static class EndpointParser
{
    /// <summary>Parses <paramref name="text"/>; false with <paramref name="problem"/> set when it is not HOST:PORT.</summary>
    public static bool TryParse(string? text, out IPEndPoint endPoint, out string problem)
    {
        endPoint = new IPEndPoint(IPAddress.Loopback, 0);
        problem = "";
        if (string.IsNullOrWhiteSpace(text))
        {
            problem = "is empty; expected HOST:PORT";
            return false;
        }
        var colon = text.LastIndexOf(':');
        if (colon <= 0 || !int.TryParse(text.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out var port) || port > 65535)
        {
            problem = $"'{text}' is not HOST:PORT (port 0-65535)";
            return false;
        }
        var host = text[..colon];
        if (host.StartsWith('[') && host.EndsWith(']')) host = host[1..^1];
        IPAddress? address = host switch
        {
            "localhost" => IPAddress.Loopback,
            "*" => IPAddress.IPv6Any,
            _ => IPAddress.TryParse(host, out var parsed) ? parsed : null,
        };
        if (address is null)
        {
            problem = $"'{host}' is not an IP address (use an IP, localhost or *)";
            return false;
        }
        endPoint = new IPEndPoint(address, port);
        return true;
    }

    /// <summary>Parses a value already validated at start.</summary>
    public static IPEndPoint Parse(string text) =>
        TryParse(text, out var endPoint, out var problem) ? endPoint : throw new FormatException(problem);
}
