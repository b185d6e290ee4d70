using Microsoft.Extensions.Options;

namespace SmarthostLab.Smtp;

/// <summary>
/// Checks <see cref="SmtpOptions"/> at start (with <c>ValidateOnStart</c>): each failure names its key, e.g.
/// "Smtp:CommandTimeout must be positive".
/// </summary>
public sealed class SmtpOptionsValidator : IValidateOptions<SmtpOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, SmtpOptions options)
    {
        var failures = new List<string>();
        void Positive(TimeSpan value, string key)
        {
            if (value <= TimeSpan.Zero) failures.Add($"{SmtpOptions.Section}:{key} must be positive (got {value})");
        }
        Positive(options.CommandTimeout, nameof(SmtpOptions.CommandTimeout));
        Positive(options.DataTimeout, nameof(SmtpOptions.DataTimeout));
        Positive(options.RefusedSessionTimeout, nameof(SmtpOptions.RefusedSessionTimeout));
        if (options.MaxMessageSize < 1024) failures.Add($"{SmtpOptions.Section}:{nameof(SmtpOptions.MaxMessageSize)} must be at least 1024 (got {options.MaxMessageSize})");
        if (options.MaxRecipients < 1) failures.Add($"{SmtpOptions.Section}:{nameof(SmtpOptions.MaxRecipients)} must be at least 1 (got {options.MaxRecipients})");
        if (options.MaxBadCommands < 1) failures.Add($"{SmtpOptions.Section}:{nameof(SmtpOptions.MaxBadCommands)} must be at least 1 (got {options.MaxBadCommands})");
        if (options.MaxConnections < 1) failures.Add($"{SmtpOptions.Section}:{nameof(SmtpOptions.MaxConnections)} must be at least 1 (got {options.MaxConnections})");
        if (options.MaxConnectionsPerIp < 1) failures.Add($"{SmtpOptions.Section}:{nameof(SmtpOptions.MaxConnectionsPerIp)} must be at least 1 (got {options.MaxConnectionsPerIp})");
        if (options.HostName is { Length: > 0 } host && (host.Length > 253 || host.Any(c => char.IsWhiteSpace(c) || char.IsControl(c))))
            failures.Add($"{SmtpOptions.Section}:{nameof(SmtpOptions.HostName)} must be a host name without spaces (got '{host}')");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
