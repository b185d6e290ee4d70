using System.Globalization;

namespace SmarthostLab.Probe.Send;

/// <summary>An SMTP endpoint given as <c>host:port</c>, <c>[v6]:port</c> or <c>host</c> (port 25).</summary>
/// <param name="Host">Host name or IP literal (without brackets).</param>
/// <param name="Port">TCP port.</param>
public sealed record SmtpEndpoint(string Host, int Port)
{
    /// <summary>Parses <paramref name="text"/>; throws <see cref="ProbeException"/> when malformed.</summary>
    public static SmtpEndpoint Parse(string text)
    {
        var value = text.Trim();
        string host;
        string? portText = null;
        if (value.StartsWith('['))
        {
            var close = value.IndexOf(']', StringComparison.Ordinal);
            if (close < 0)
            {
                throw new ProbeException($"--via '{text}': missing ']'");
            }

            host = value[1..close];
            if (close + 1 < value.Length)
            {
                if (value[close + 1] != ':')
                {
                    throw new ProbeException($"--via '{text}': expected ':' after ']'");
                }

                portText = value[(close + 2)..];
            }
        }
        else if (value.Count(c => c == ':') == 1)
        {
            var colon = value.IndexOf(':', StringComparison.Ordinal);
            host = value[..colon];
            portText = value[(colon + 1)..];
        }
        else
        {
            host = value;
        }

        var port = 25;
        if (portText is not null && (!int.TryParse(portText, NumberStyles.None, CultureInfo.InvariantCulture, out port) || port is < 1 or > 65535))
        {
            throw new ProbeException($"--via '{text}': port must be 1-65535");
        }

        if (host.Length == 0)
        {
            throw new ProbeException($"--via '{text}': missing host");
        }

        return new SmtpEndpoint(host, port);
    }

    /// <inheritdoc />
    public override string ToString()
        => Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]:{Port.ToString(CultureInfo.InvariantCulture)}" : $"{Host}:{Port.ToString(CultureInfo.InvariantCulture)}";
}
