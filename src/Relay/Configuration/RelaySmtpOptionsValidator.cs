using Microsoft.Extensions.Options;
using SmarthostLab.Smtp;

namespace SmarthostLab.Relay.Configuration;

/// <summary>
/// The relay's own checks of the <c>Smtp</c> section: endpoints, certificate files, and message size within
/// what the store can hold. The protocol limits are the SMTP layer's <see cref="SmtpOptionsValidator"/>, which runs beside it.
/// </summary>
public sealed class RelaySmtpOptionsValidator : IValidateOptions<SmtpOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, SmtpOptions options)
    {
        var errors = new List<string>();
        if (!EndpointParser.TryParse(options.Listen, out _, out var problem)) errors.Add($"Smtp:Listen: {problem}");
        if (!string.IsNullOrEmpty(options.ImplicitTlsListen) && !EndpointParser.TryParse(options.ImplicitTlsListen, out _, out problem))
            errors.Add($"Smtp:ImplicitTlsListen: {problem}");
        // The effective range: the store keeps each message in one SQLite blob (at most 2 GiB).
        if (options.MaxMessageSize is < 1024 or > int.MaxValue)
            errors.Add($"Smtp:MaxMessageSize: must be between 1024 and {int.MaxValue} octets (got {options.MaxMessageSize})");
        if (!string.IsNullOrEmpty(options.CertificatePath) && !File.Exists(options.CertificatePath))
            errors.Add($"Smtp:CertificatePath: file '{options.CertificatePath}' does not exist");
        if (!string.IsNullOrEmpty(options.CertificateKeyPath) && !File.Exists(options.CertificateKeyPath))
            errors.Add($"Smtp:CertificateKeyPath: file '{options.CertificateKeyPath}' does not exist");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
