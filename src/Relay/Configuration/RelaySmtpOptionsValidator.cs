using Microsoft.Extensions.Options;
using SmarthostLab.Smtp;

namespace SmarthostLab.Relay.Configuration;

/// <summary>The relay's checks of the <c>Smtp</c> section (endpoints, certificate files, ranges), naming the bad key in each message; runs besides the SMTP layer's own validator.</summary>
public sealed class RelaySmtpOptionsValidator : IValidateOptions<SmtpOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, SmtpOptions options)
    {
        var errors = new List<string>();
        if (!EndpointParser.TryParse(options.Listen, out _, out var problem)) errors.Add($"Smtp:Listen: {problem}");
        if (!string.IsNullOrEmpty(options.ImplicitTlsListen) && !EndpointParser.TryParse(options.ImplicitTlsListen, out _, out problem))
            errors.Add($"Smtp:ImplicitTlsListen: {problem}");
        if (options.MaxMessageSize is < 1024 or > int.MaxValue)
            errors.Add($"Smtp:MaxMessageSize: must be between 1024 and {int.MaxValue} octets (got {options.MaxMessageSize})");
        Range(errors, "Smtp:MaxRecipients", options.MaxRecipients, 1, 100_000);
        Range(errors, "Smtp:MaxBadCommands", options.MaxBadCommands, 1, 10_000);
        Range(errors, "Smtp:MaxConnections", options.MaxConnections, 1, 1_000_000);
        Range(errors, "Smtp:MaxConnectionsPerIp", options.MaxConnectionsPerIp, 1, 1_000_000);
        Positive(errors, "Smtp:CommandTimeout", options.CommandTimeout);
        Positive(errors, "Smtp:DataTimeout", options.DataTimeout);
        Positive(errors, "Smtp:RefusedSessionTimeout", options.RefusedSessionTimeout);
        if (!string.IsNullOrEmpty(options.CertificatePath) && !File.Exists(options.CertificatePath))
            errors.Add($"Smtp:CertificatePath: file '{options.CertificatePath}' does not exist");
        if (!string.IsNullOrEmpty(options.CertificateKeyPath) && !File.Exists(options.CertificateKeyPath))
            errors.Add($"Smtp:CertificateKeyPath: file '{options.CertificateKeyPath}' does not exist");
        if (options.HostName is { } host && (host.Length == 0 || host.Any(c => c <= ' ' || c > '~' || c is '(' or ')' or '[' or ']' or ';')))
            errors.Add($"Smtp:HostName: '{host}' is not a host name");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    internal static void Range(List<string> errors, string key, long value, long min, long max)
    {
        if (value < min || value > max) errors.Add($"{key}: must be between {min} and {max} (got {value})");
    }

    internal static void Positive(List<string> errors, string key, TimeSpan value)
    {
        if (value <= TimeSpan.Zero) errors.Add($"{key}: must be a positive time span such as 00:05:00 (got {value})");
    }
}
