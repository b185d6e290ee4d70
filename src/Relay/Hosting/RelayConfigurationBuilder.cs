using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.Extensions.Configuration;
using SmarthostLab.Relay.Configuration;
using SmarthostLab.Smtp;
using SmarthostLab.Verification;

namespace SmarthostLab.Relay.Hosting;

/// <summary>
/// Assembles the relay's configuration, lowest precedence first: built-in defaults (the options classes'
/// own, plus logging levels), each --config file, environment variables prefixed SMARTHOSTLAB_ (__ separates
/// sections), the command line (--Section:Key=value), then the short flags. The built-in sample account is
/// not in the configuration at all: it is used only when no Accounts are configured, so a configured
/// account list replaces it instead of merging with it by array index.
/// </summary>
public static class RelayConfigurationBuilder
{
    /// <summary>Environment variable prefix.</summary>
    public const string EnvironmentPrefix = "SMARTHOSTLAB_";

    /// <summary>Replaces the sources of <paramref name="configuration"/> by the relay's.</summary>
    /// <exception cref="RelayConfigurationException">A --config file is missing or not JSON.</exception>
    public static void Apply(IConfigurationBuilder configuration, CommandLine commandLine, IReadOnlyDictionary<string, string?>? overrides = null)
    {
        configuration.Sources.Clear();
        configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Logging:LogLevel:Default"] = "Information",
            ["Logging:LogLevel:Microsoft.AspNetCore"] = "Warning",
            ["Logging:LogLevel:Microsoft.Hosting"] = "Warning",
        });
        foreach (var file in commandLine.ConfigFiles)
        {
            var path = Path.GetFullPath(file);
            if (!File.Exists(path)) throw new RelayConfigurationException($"--config: file '{file}' does not exist");
            try
            {
                using var stream = File.OpenRead(path);
                using var _ = JsonDocument.Parse(stream, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
            }
            catch (JsonException exception)
            {
                throw new RelayConfigurationException($"--config: '{file}' is not valid JSON ({exception.Message.Split('\n')[0].Trim()})", exception);
            }
            configuration.AddJsonFile(path, optional: false, reloadOnChange: false);
        }
        configuration.AddEnvironmentVariables(EnvironmentPrefix);
        configuration.AddCommandLine([.. commandLine.PassThrough]);
        var flags = new Dictionary<string, string?>(commandLine.Settings, StringComparer.OrdinalIgnoreCase);
        if (commandLine.Zones.Count > 0)
        {
            // --zone appends to the zones configured elsewhere.
            var existing = configuration.Build().GetSection($"{VerificationOptions.Section}:Zones").Get<List<string>>() ?? [];
            var zones = existing.Concat(commandLine.Zones).ToList();
            for (var i = 0; i < zones.Count; i++) flags[$"{VerificationOptions.Section}:Zones:{i}"] = zones[i];
        }
        configuration.AddInMemoryCollection(flags);
        if (overrides is not null) configuration.AddInMemoryCollection(overrides);
    }

    /// <summary>
    /// Refuses keys no options class has in the relay's sections (a misspelling would be ignored by the binder),
    /// then binds and validates every section; the first problem as one line ("Section:Key: problem"), or null.
    /// </summary>
    public static string? Validate(IConfiguration configuration)
    {
        if (ConfigurationKeys.FindUnknown(configuration) is { } unknown) return unknown;
        try
        {
            var smtp = Bind<SmtpOptions>(configuration, SmtpOptions.Section);
            var api = Bind<ApiOptions>(configuration, ApiOptions.Section);
            return First(new RelaySmtpOptionsValidator().Validate(null, smtp))
                ?? First(new SmtpOptionsValidator().Validate(null, smtp))
                ?? First(new ApiOptionsValidator().Validate(null, api))
                ?? SharedEndpoint(("Api:Listen", api.Listen), ("Smtp:Listen", smtp.Listen), ("Smtp:ImplicitTlsListen", smtp.ImplicitTlsListen))
                ?? First(new StoreOptionsValidator().Validate(null, Bind<StoreOptions>(configuration, StoreOptions.Section)))
                ?? First(new HostingOptionsValidator().Validate(null, Bind<HostingOptions>(configuration, HostingOptions.Section)))
                ?? First(new DeliveryOptionsValidator().Validate(null, Bind<DeliveryOptions>(configuration, DeliveryOptions.Section)))
                ?? First(new AdmissionOptionsValidator().Validate(null, Bind<AdmissionOptions>(configuration, AdmissionOptions.Section)))
                ?? First(new TelemetryOptionsValidator().Validate(null, Bind<TelemetryOptions>(configuration, TelemetryOptions.Section)))
                ?? First(new LimitsOptionsValidator().Validate(null, Bind<RateLimitsOptions>(configuration, RateLimitsOptions.Section)))
                ?? First(new LimitsOptionsValidator().Validate(null, Bind<GreylistingOptions>(configuration, GreylistingOptions.Section)))
                ?? First(new VerificationOptionsValidator().Validate(null, Bind<VerificationOptions>(configuration, VerificationOptions.Section)))
                ?? BindOnly<VerificationSwitchOptions>(configuration, VerificationOptions.Section)
                ?? First(new AccountsOptionsValidator().Validate(null, BindAccounts(configuration)))
                ?? First(new DkimKeysValidator().Validate(null, BindAccounts(configuration)))
                ?? First(new CredentialsValidator().Validate(null, BindAccounts(configuration)))
                ?? CredentialsValidator.CheckMode(Bind<AdmissionOptions>(configuration, AdmissionOptions.Section), BindAccounts(configuration), smtp)
                ?? First(new Faults.FaultsOptionsValidator().Validate(null, Faults.FaultsOptions.Bind(configuration)));
        }
        catch (InvalidOperationException exception)
        {
            return BindError(configuration, exception);
        }
    }

    /// <summary>
    /// Two listeners on one port where their addresses overlap (equal, or one of them "*" or 0.0.0.0) would fail when
    /// the second binds: "Smtp:Listen: '127.0.0.1:8025' takes the port of Api:Listen ('127.0.0.1:8025')". Port 0 never clashes.
    /// </summary>
    private static string? SharedEndpoint(params (string Key, string? Text)[] listeners)
    {
        var parsed = listeners.Where(l => !string.IsNullOrEmpty(l.Text)).Select(l => (l.Key, l.Text, EndPoint: EndpointParser.Parse(l.Text!))).ToList();
        for (var i = 1; i < parsed.Count; i++)
        {
            for (var j = 0; j < i; j++)
            {
                var (a, b) = (parsed[j].EndPoint, parsed[i].EndPoint);
                if (a.Port != 0 && a.Port == b.Port && (a.Address.Equals(b.Address) || Covers(a.Address, b.Address) || Covers(b.Address, a.Address)))
                    return $"{parsed[i].Key}: '{parsed[i].Text}' takes the port of {parsed[j].Key} ('{parsed[j].Text}')";
            }
        }
        return null;

        // "*" is one dual-mode IPv6 socket, so it covers every address; 0.0.0.0 covers the IPv4 ones.
        static bool Covers(IPAddress any, IPAddress other) => any.Equals(IPAddress.IPv6Any)
            || (any.Equals(IPAddress.Any) && other.AddressFamily == AddressFamily.InterNetwork);
    }

    /// <summary>Binds the top-level Accounts array.</summary>
    public static AccountsOptions BindAccounts(IConfiguration configuration)
    {
        var options = new AccountsOptions();
        configuration.Bind(options);
        return options;
    }

    private static T Bind<T>(IConfiguration configuration, string section) where T : new()
    {
        var options = new T();
        configuration.GetSection(section).Bind(options);
        return options;
    }

    private static string? BindOnly<T>(IConfiguration configuration, string section) where T : new()
    {
        Bind<T>(configuration, section);
        return null;
    }

    private static string? First(Microsoft.Extensions.Options.ValidateOptionsResult result) =>
        result.Failed ? result.Failures!.First() : null;

    /// <summary>Turns a binder error ("Failed to convert configuration value at 'Smtp:MaxMessageSize' to type 'System.Int64'.") into one line.</summary>
    public static string BindError(IConfiguration configuration, InvalidOperationException exception)
    {
        var message = exception.Message;
        var at = message.IndexOf(" at '", StringComparison.Ordinal);
        var to = message.IndexOf("' to type '", StringComparison.Ordinal);
        if (at >= 0 && to > at)
        {
            var key = message[(at + 5)..to];
            var type = message[(to + 11)..].TrimEnd('.', '\'');
            var friendly = type switch
            {
                "System.Int32" or "System.Int64" => "an integer",
                "System.Boolean" => "true or false",
                "System.TimeSpan" => "a time span such as 00:05:00",
                _ when EnumNames(type) is { } names => "one of " + names,
                _ => "a " + type,
            };
            return $"{key}: '{configuration[key]}' is not {friendly}";
        }
        return message.Split('\n')[0].Trim();
    }

    private static string? EnumNames(string typeName)
    {
        var type = typeof(RelayConfigurationBuilder).Assembly.GetType(typeName) ?? typeof(SmtpOptions).Assembly.GetType(typeName);
        return type is { IsEnum: true } ? string.Join(", ", Enum.GetNames(type)) : null;
    }
}
