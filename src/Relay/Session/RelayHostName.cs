using Microsoft.Extensions.Options;
using SmarthostLab.Smtp;
using SmarthostLab.Smtp.Server;

namespace SmarthostLab.Relay.Session;

/// <summary>The name the relay uses in Received headers and /api/v1/info: Smtp:HostName, else the machine name (as the SMTP layer).</summary>
public sealed class RelayHostName
{
    /// <summary>Resolves the name from the options.</summary>
    public RelayHostName(IOptions<SmtpOptions> options) =>
        Value = SmtpSession.HostNameOf(options.Value);

    /// <summary>The host name.</summary>
    public string Value { get; }
}
