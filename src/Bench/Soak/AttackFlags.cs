using System.CommandLine;
using SmarthostLab.Bench.Cli;

namespace SmarthostLab.Bench.Soak;

/// <summary>The options of <c>soak --mode slow-reader|flood</c> and how they become an <see cref="AttackOptions"/>.</summary>
internal sealed class AttackFlags
{
    public Option<double> Seconds { get; } = BenchOptions.Seconds("--seconds", 0.5, 3600, 60, "slow-reader, flood: attack time.");
    public Option<double> BaselineSeconds { get; } = BenchOptions.Seconds("--baseline-seconds", 0.5, 3600, 10, "slow-reader, flood: registered load alone before the attack (after a 2 s warm-up).");
    public Option<int> Clients { get; } = BenchOptions.Whole("--clients", 1, 1000, 4, "slow-reader, flood: registered clients, bound to 127.0.0.2.");
    public Option<int> Rate { get; } = BenchOptions.Whole("--rate", 0, 100_000, 200, "slow-reader, flood: the registered clients' messages per second in all, 0 = as fast as they can.");
    public Option<int> PerSession { get; } = BenchOptions.Whole("--per-session", 1, 100_000, 10, "slow-reader, flood: messages per registered session.");
    public Option<int> Attackers { get; } = BenchOptions.Whole("--attackers", 1, 10_000, 150, "slow-reader: hostile connections open at once, reopened when closed.");
    public Option<int> RegisteredAttackers { get; } = BenchOptions.Whole("--registered-attackers", 0, 10_000, 30, "slow-reader: of which from registered addresses 127.0.1.1… (default 30, at most a fifth of --attackers); the rest from unregistered 127.0.0.3…127.0.0.250.");
    public Option<IReadOnlyList<HostileShape>> Shapes { get; } = new("--shapes")
    {
        Description = "slow-reader: pipeline,trickle,slow-data (default all three, dealt round-robin).",
        HelpName = "LIST",
        CustomParser = ParseShapes,
    };
    public Option<double> Interval { get; } = BenchOptions.Seconds("--interval", 0.01, 600, 1, "slow-reader: trickle / slow DATA send or read one byte every S seconds.");
    public Option<int> Flooders { get; } = BenchOptions.Whole("--flooders", 1, 5000, 200, "flood: concurrent connect loops from 127.0.0.3…127.0.0.250.");
    public Option<string> FloodShape { get; } = BenchOptions.OneOf("--flood-shape",
        "flood: mixed (even loops hold, odd ones hang up), hold (keep each connection until the relay closes it) or hang-up (reset it after the first reply line).",
        "mixed", "hold", "hang-up");
    public Option<int> MaxConnections { get; } = BenchOptions.Whole("--max-connections", 1, int.MaxValue, 2_000_000, "flood: flood connections in all, at most.");
    public Option<bool> Ipv6 { get; } = new("--ipv6") { Description = "flood: two flooders in eight from ::1; the relay listens on [::]:PORT (dual stack)." };
    public Option<double> Grace { get; } = BenchOptions.Seconds("--grace", 0, 600, 3, "slow-reader, flood: a hostile connection outlives its bound (relay timeout + 2 s linger) after S seconds more.");
    public Option<string[]> RelaySettings { get; } = new("--relay-setting")
    {
        Description = "slow-reader, flood: a relay setting, Section:Key=VALUE (repeatable); defaults Smtp:MaxConnections=100, Smtp:MaxConnectionsPerIp=100, Smtp:CommandTimeout=00:00:10, Smtp:DataTimeout=00:00:10.",
        HelpName = "KEY=VALUE",
    };

    private static readonly HostileShape[] AllShapes = [HostileShape.Pipeline, HostileShape.Trickle, HostileShape.SlowData];

    /// <summary>Every option, to add to the command and to refuse with --mode kill.</summary>
    public IEnumerable<Option> All =>
        [Seconds, BaselineSeconds, Clients, Rate, PerSession, Attackers, RegisteredAttackers, Shapes, Interval, Flooders, FloodShape, MaxConnections, Ipv6, Grace, RelaySettings];

    public AttackFlags()
    {
        RelaySettings.Validators.Add(result =>
        {
            foreach (var token in result.Tokens)
            {
                var equals = token.Value.IndexOf('=', StringComparison.Ordinal);
                if (equals <= 0 || !token.Value[..equals].Contains(':', StringComparison.Ordinal))
                    result.AddError($"--relay-setting: '{token.Value}' is not Section:Key=VALUE");
            }
        });
    }

    /// <summary>Checks that span options (e.g. --registered-attackers against --attackers).</summary>
    public void Validate(System.CommandLine.Parsing.CommandResult result)
    {
        if (result.Given(RegisteredAttackers) && result.ValueOf(RegisteredAttackers) > result.ValueOf(Attackers))
            result.AddError($"--registered-attackers: {result.ValueOf(RegisteredAttackers)} is more than --attackers {result.ValueOf(Attackers)}");
    }

    /// <summary>The attack's settings.</summary>
    /// <exception cref="UsageException">A relay setting does not bind (names the key).</exception>
    public AttackOptions Read(ParseResult parse, AttackMode mode, string relayDll, bool json)
    {
        var attackers = parse.GetValue(Attackers);
        var registered = parse.CommandResult.Given(RegisteredAttackers) ? parse.GetValue(RegisteredAttackers) : Math.Min(parse.GetValue(RegisteredAttackers), attackers / 5);
        var baseline = TimeSpan.FromSeconds(parse.GetValue(BaselineSeconds));
        var settings = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var setting in parse.GetValue(RelaySettings) ?? [])
        {
            var equals = setting.IndexOf('=', StringComparison.Ordinal);
            settings[setting[..equals]] = setting[(equals + 1)..];
        }
        var options = new AttackOptions
        {
            Mode = mode,
            RelayDll = relayDll,
            Attack = TimeSpan.FromSeconds(parse.GetValue(Seconds)),
            Baseline = baseline,
            Warmup = TimeSpan.FromSeconds(Math.Min(2, baseline.TotalSeconds)),
            Clients = parse.GetValue(Clients),
            Rate = parse.GetValue(Rate),
            PerSession = parse.GetValue(PerSession),
            Attackers = attackers,
            RegisteredAttackers = registered,
            Shapes = parse.GetValue(Shapes) ?? AllShapes,
            Interval = TimeSpan.FromSeconds(parse.GetValue(Interval)),
            Flooders = parse.GetValue(Flooders),
            MaxFloodConnections = parse.GetValue(MaxConnections),
            FloodShape = parse.GetValue(FloodShape) ?? "mixed",
            Ipv6 = parse.GetValue(Ipv6),
            Grace = TimeSpan.FromSeconds(parse.GetValue(Grace)),
            RelaySettings = settings,
            Json = json,
        };
        try
        {
            options.EffectiveSmtpOptions(); // a setting that does not bind is a usage error now, not a relay that fails to start
        }
        catch (ArgumentException e)
        {
            throw new UsageException(e.Message, e);
        }
        return options;
    }

    private static IReadOnlyList<HostileShape> ParseShapes(System.CommandLine.Parsing.ArgumentResult r)
    {
        if (r.Tokens.Count == 0) return AllShapes;
        var shapes = new List<HostileShape>();
        foreach (var name in r.Tokens[0].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            HostileShape? shape = name switch
            {
                "pipeline" => HostileShape.Pipeline,
                "trickle" => HostileShape.Trickle,
                "slow-data" => HostileShape.SlowData,
                _ => null,
            };
            if (shape is null)
            {
                r.AddError($"--shapes: '{name}' is not pipeline, trickle or slow-data");
                return AllShapes;
            }
            shapes.Add(shape.Value);
        }
        if (shapes.Count == 0) r.AddError("--shapes: no shape given");
        return shapes.Count > 0 ? shapes : AllShapes;
    }
}
