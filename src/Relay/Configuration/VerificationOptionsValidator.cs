using System.Net;
using Microsoft.Extensions.Options;
using SmarthostLab.Verification;
using SmarthostLab.Verification.Dns;

namespace SmarthostLab.Relay.Configuration;

/// <summary>Validates the <c>Verification</c> section at start, each error naming its key.</summary>
public sealed class VerificationOptionsValidator : IValidateOptions<VerificationOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, VerificationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        for (var i = 0; i < options.EgressAddresses.Count; i++)
        {
            if (!IPAddress.TryParse(options.EgressAddresses[i], out _))
                errors.Add($"Verification:EgressAddresses:{i}: '{options.EgressAddresses[i]}' is not an IP address");
        }
        if (options.AuthServId is { } id && (id.Length == 0 || id.Any(c => char.IsWhiteSpace(c) || c is ';' or '(' or ')' or '"' or '\\' || c > '~')))
            errors.Add($"Verification:AuthServId: '{id}' is not a valid authserv-id (a host name without spaces or ';')");
        for (var i = 0; i < options.Zones.Count; i++)
        {
            var path = options.Zones[i];
            if (!File.Exists(path))
            {
                errors.Add($"Verification:Zones:{i}: zone file '{path}' does not exist");
                continue;
            }
            try
            {
                ZoneFile.Load(path);
            }
            catch (ZoneFileException exception)
            {
                errors.Add($"Verification:Zones:{i}: {exception.Message}");
            }
        }
        if (!string.IsNullOrWhiteSpace(options.PublicSuffixListPath) && !File.Exists(options.PublicSuffixListPath))
            errors.Add($"Verification:PublicSuffixListPath: file '{options.PublicSuffixListPath}' does not exist");
        for (var i = 0; i < options.Dns.Servers.Count; i++)
        {
            var server = options.Dns.Servers[i];
            if (!IPAddress.TryParse(server, out _) && !IPEndPoint.TryParse(server, out _))
                errors.Add($"Verification:Dns:Servers:{i}: '{server}' is not IP or IP:port");
        }
        if (options.Dns.Timeout <= TimeSpan.Zero) errors.Add("Verification:Dns:Timeout: must be positive");
        if (options.Dns.Retries < 0) errors.Add("Verification:Dns:Retries: must not be negative");
        if (options.Dns.CacheSize < 0) errors.Add("Verification:Dns:CacheSize: must not be negative");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
