using Microsoft.Extensions.Options;

namespace SmarthostLab.Smtp;

/// <summary>
/// Checks <see cref="SmtpOptions"/> at start (with <c>ValidateOnStart</c>): each failure names its key, e.g.
/// "Smtp:CommandTimeout must be positive". The one place the protocol limits are checked; a host adds its
/// own checks (endpoints, certificate files) beside it.
/// </summary>
public sealed class SmtpOptionsValidator : IValidateOptions<SmtpOptions>
{
    /// <summary>The largest <see cref="SmtpOptions.MaxHeaderSize"/> accepted (64 MiB).</summary>
    public const long MaxHeaderSizeLimit = 64L * 1024 * 1024;

    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, SmtpOptions options)
    {
        var failures = new List<string>();
        void Positive(TimeSpan value, string key)
        {
            if (value <= TimeSpan.Zero) failures.Add($"{SmtpOptions.Section}:{key} must be positive (got {value})");
        }
        void Range(long value, long min, long max, string key)
        {
            if (value < min) failures.Add($"{SmtpOptions.Section}:{key} must be at least {min} (got {value})");
            else if (value > max) failures.Add($"{SmtpOptions.Section}:{key} must be at most {max} (got {value})");
        }
        Positive(options.CommandTimeout, nameof(SmtpOptions.CommandTimeout));
        Positive(options.DataTimeout, nameof(SmtpOptions.DataTimeout));
        Positive(options.RefusedSessionTimeout, nameof(SmtpOptions.RefusedSessionTimeout));
        Range(options.MaxMessageSize, 1024, long.MaxValue, nameof(SmtpOptions.MaxMessageSize));
        // The relay reads a header section into one array to parse it (above Smtp:MaxMessageSize it is the size limit that applies).
        Range(options.MaxHeaderSize, 1024, MaxHeaderSizeLimit, nameof(SmtpOptions.MaxHeaderSize));
        Range(options.SpoolThreshold, 0, long.MaxValue, nameof(SmtpOptions.SpoolThreshold));
        Range(options.MaxRecipients, 1, 100_000, nameof(SmtpOptions.MaxRecipients));
        Range(options.MaxBadCommands, 1, 10_000, nameof(SmtpOptions.MaxBadCommands));
        Range(options.MinDataRate, 0, 1_000_000_000, nameof(SmtpOptions.MinDataRate));
        Range(options.MaxConnections, 1, 1_000_000, nameof(SmtpOptions.MaxConnections));
        Range(options.MaxConnectionsPerIp, 1, 1_000_000, nameof(SmtpOptions.MaxConnectionsPerIp));
        Range(options.MaxRefusedConnections, 0, 1_000_000, nameof(SmtpOptions.MaxRefusedConnections));
        Range(options.IPv6PrefixLength, 1, 128, nameof(SmtpOptions.IPv6PrefixLength));
        if (!Proxy.TrustedProxies.TryCreate(options.ProxyTrustedNetworks, out _, out var proxyProblem))
            failures.Add($"{SmtpOptions.Section}:{nameof(SmtpOptions.ProxyTrustedNetworks)}: {proxyProblem}");
        // The name goes into the greeting, EHLO and Received headers: printable ASCII, no comment or literal delimiters.
        if (options.HostName is { } host && (host.Length is 0 or > 253 || host.Any(c => c <= ' ' || c > '~' || c is '(' or ')' or '[' or ']' or ';')))
            failures.Add($"{SmtpOptions.Section}:{nameof(SmtpOptions.HostName)} must be a host name: printable ASCII without spaces or ( ) [ ] ; (got '{host}')");
        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
