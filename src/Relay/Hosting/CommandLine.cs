namespace SmarthostLab.Relay.Hosting;

/// <summary>
/// The relay's command line: the short flags (<c>--smtp</c>, <c>--http</c>, <c>--data</c>, <c>--config</c>,
/// <c>--zone</c>) turned into configuration keys, and every <c>--Section:Key=value</c> / <c>--Section:Key value</c>
/// passed through to the .NET command-line provider.
/// </summary>
/// <param name="Settings">Keys set by the short flags.</param>
/// <param name="ConfigFiles">--config files, in order.</param>
/// <param name="Zones">--zone files, in order.</param>
/// <param name="PassThrough">The remaining arguments, for AddCommandLine.</param>
/// <param name="Help">--help was given.</param>
/// <param name="Version">--version was given.</param>
public sealed record CommandLine(
    IReadOnlyDictionary<string, string?> Settings,
    IReadOnlyList<string> ConfigFiles,
    IReadOnlyList<string> Zones,
    IReadOnlyList<string> PassThrough,
    bool Help,
    bool Version = false)
{
    /// <summary>Usage text of --help.</summary>
    public const string Usage = """
        smarthostlab-relay [options]
          --smtp HOST:PORT     SMTP endpoint (Smtp:Listen, default 127.0.0.1:2525)
          --http HOST:PORT     HTTP API endpoint (Api:Listen, default 127.0.0.1:8025)
          --data DIR           data folder (Store:DataFolder, default ./data)
          --config FILE        JSON settings in the appsettings shape; its Accounts replace the sample account
          --zone FILE          DNS zone file answered before live DNS (repeatable; Verification:Zones)
          --Section:Key=VALUE  any setting (also environment variables SMARTHOSTLAB_Section__Key)
          --version            print the version and exit
        smarthostlab-relay hash-password [--iterations N] [PASSWORD]
                               print the hash of a password for Accounts:N:Credentials:M:Password (see hash-password --help)
        """;

    private static readonly Dictionary<string, string> Flags = new(StringComparer.OrdinalIgnoreCase)
    {
        ["--smtp"] = "Smtp:Listen",
        ["--http"] = "Api:Listen",
        ["--data"] = "Store:DataFolder",
    };

    /// <summary>Parses <paramref name="args"/>.</summary>
    /// <exception cref="RelayConfigurationException">An unknown flag or a flag without its value.</exception>
    public static CommandLine Parse(IReadOnlyList<string> args)
    {
        var settings = new Dictionary<string, string?>(StringComparer.OrdinalIgnoreCase);
        var configs = new List<string>();
        var zones = new List<string>();
        var rest = new List<string>();
        var help = false;
        var version = false;
        for (var i = 0; i < args.Count; i++)
        {
            var arg = args[i];
            var equals = arg.IndexOf('=');
            var name = equals > 0 ? arg[..equals] : arg;
            string Value()
            {
                if (equals > 0) return arg[(equals + 1)..];
                if (i + 1 >= args.Count || args[i + 1].StartsWith("--", StringComparison.Ordinal))
                    throw new RelayConfigurationException($"{name}: a value is required");
                return args[++i];
            }
            if (name is "--help" or "-h" or "-?") help = true;
            else if (name == "--version") version = true;
            else if (Flags.TryGetValue(name, out var key)) settings[key] = Value();
            else if (name.Equals("--config", StringComparison.OrdinalIgnoreCase)) configs.Add(Value());
            else if (name.Equals("--zone", StringComparison.OrdinalIgnoreCase)) zones.Add(Value());
            else if (name.StartsWith("--", StringComparison.Ordinal) && name.Contains(':', StringComparison.Ordinal))
            {
                rest.Add(arg);
                if (equals < 0 && i + 1 < args.Count) rest.Add(args[++i]);
            }
            else throw new RelayConfigurationException($"{arg}: unknown option (see --help)");
        }
        return new CommandLine(settings, configs, zones, rest, help, version);
    }
}
