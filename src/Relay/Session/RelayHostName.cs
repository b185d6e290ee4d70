using Microsoft.Extensions.Options;
using SmarthostLab.Smtp;

namespace SmarthostLab.Relay.Session;

/// <summary>The name the relay uses in Received headers and /api/v1/info: Smtp:HostName, else the machine name (as the SMTP layer).</summary>
public sealed class RelayHostName
{
    /// <summary>Resolves the name from the options.</summary>
    public RelayHostName(IOptions<SmtpOptions> options) =>
        Value = string.IsNullOrWhiteSpace(options.Value.HostName) ? Environment.MachineName : options.Value.HostName;

    /// <summary>The host name.</summary>
    public string Value { get; }
}
