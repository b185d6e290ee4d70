using System.Globalization;
using Microsoft.Extensions.Configuration;
using SmarthostLab.Bench.Load;
using SmarthostLab.Smtp;

namespace SmarthostLab.Bench.Soak;

/// <summary>The two attack modes of <c>soak</c> (issue 16): hostile slow clients, and a flood of unregistered connections.</summary>
public enum AttackMode
{
    /// <summary>Connections that pipeline and never read, read one byte a second, or send DATA one byte a second.</summary>
    SlowReader,

    /// <summary>Many connections a second from many unregistered addresses, reconnecting as fast as they can.</summary>
    Flood,
}

/// <summary>What a hostile connection of the slow-reader mode does.</summary>
public enum HostileShape
{
    /// <summary>Pipelines commands (EHLO, then NOOP after NOOP) as fast as the socket takes them and never reads.</summary>
    Pipeline,

    /// <summary>Sends EHLO and a burst of NOOPs once, then reads its replies one byte every interval.</summary>
    Trickle,

    /// <summary>EHLO, MAIL, RCPT, DATA, then the message one byte every interval, never ending it (slowloris).</summary>
    SlowData,
}

/// <summary>
/// Settings of an attack run of <c>soak --mode slow-reader|flood</c>, parsed from the command line. Every run is
/// bounded: warm-up, baseline and attack times, the hostile connections' own bounds plus grace, and (flood) a count.
/// </summary>
public sealed class AttackOptions
{
    /// <summary>The relay's linger after a session (<c>SmtpConnectionHandler.CloseLinger</c>): part of a connection's bound.</summary>
    public static readonly TimeSpan CloseLinger = TimeSpan.FromSeconds(2);

    /// <summary>Relay settings the attack modes start the relay with unless --relay-setting says otherwise.</summary>
    public static readonly IReadOnlyDictionary<string, string> DefaultRelaySettings = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
    {
        // A pool the attack can overrun (the repro filled it with 60 connections), timeouts a run can see end.
        ["Smtp:MaxConnections"] = "100",
        ["Smtp:MaxConnectionsPerIp"] = "100",
        ["Smtp:CommandTimeout"] = "00:00:10",
        ["Smtp:DataTimeout"] = "00:00:10",
    };

    /// <summary>Which attack.</summary>
    public AttackMode Mode { get; init; }

    /// <summary>The relay's smarthostlab-relay.dll, run as <c>dotnet PATH …</c>.</summary>
    public required string RelayDll { get; init; }

    /// <summary>Registered load before the baseline, not counted (JIT, caches).</summary>
    public TimeSpan Warmup { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Registered load alone, the baseline.</summary>
    public TimeSpan Baseline { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>Registered load under attack.</summary>
    public TimeSpan Attack { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Registered clients (servers), each bound to 127.0.0.2.</summary>
    public int Clients { get; init; } = 4;

    /// <summary>Messages a second from all registered clients together; 0: each as fast as it can.</summary>
    public int Rate { get; init; } = 200;

    /// <summary>Messages per registered session before QUIT and a new connection.</summary>
    public int PerSession { get; init; } = 10;

    /// <summary>Slow-reader: hostile connections kept open at once.</summary>
    public int Attackers { get; init; } = 150;

    /// <summary>Slow-reader: how many of <see cref="Attackers"/> come from registered addresses (127.0.1.1…).</summary>
    public int RegisteredAttackers { get; init; } = 30;

    /// <summary>Slow-reader: the shapes, dealt round-robin to the hostile connections.</summary>
    public IReadOnlyList<HostileShape> Shapes { get; init; } = [HostileShape.Pipeline, HostileShape.Trickle, HostileShape.SlowData];

    /// <summary>Slow-reader: one byte read (trickle) or sent (slow DATA) every this long.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Flood: concurrent connect loops.</summary>
    public int Flooders { get; init; } = 200;

    /// <summary>Flood: "mixed" (even loops hold, odd ones hang up), "hold" or "hang-up" (every loop).</summary>
    public string FloodShape { get; init; } = "mixed";

    /// <summary>Flood: connections in all, at most.</summary>
    public long MaxFloodConnections { get; init; } = 2_000_000;

    /// <summary>Flood: two flooders in eight (one holding, one hanging up) connect from ::1 (the relay then listens on [::]:PORT, dual stack).</summary>
    public bool Ipv6 { get; init; }

    /// <summary>Added to each hostile connection's bound (timeout + linger) before it counts as outliving it (a loaded machine's timers are late).</summary>
    public TimeSpan Grace { get; init; } = TimeSpan.FromSeconds(3);

    /// <summary>Relay settings given on the command line (--relay-setting Smtp:Key=VALUE), over <see cref="DefaultRelaySettings"/>.</summary>
    public IReadOnlyDictionary<string, string> RelaySettings { get; init; } = new Dictionary<string, string>();

    /// <summary>Machine-readable report.</summary>
    public bool Json { get; init; }

    /// <summary>The settings the relay is started with: the defaults, then --relay-setting.</summary>
    public IReadOnlyDictionary<string, string> EffectiveRelaySettings()
    {
        var all = new Dictionary<string, string>(DefaultRelaySettings, StringComparer.OrdinalIgnoreCase);
        foreach (var (key, value) in RelaySettings) all[key] = value;
        return all;
    }

    /// <summary>The relay's SMTP options as the relay will bind them: its defaults, then <see cref="EffectiveRelaySettings"/>.</summary>
    /// <exception cref="ArgumentException">A setting does not bind (names the key).</exception>
    public SmtpOptions EffectiveSmtpOptions()
    {
        var smtp = new SmtpOptions();
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(EffectiveRelaySettings().Select(kv => KeyValuePair.Create(kv.Key, (string?)kv.Value)))
            .Build();
        try
        {
            configuration.GetSection(SmtpOptions.Section).Bind(smtp);
        }
        catch (InvalidOperationException e)
        {
            throw new ArgumentException($"--relay-setting: {e.Message}", e);
        }
        return smtp;
    }

    /// <summary>Text of the help.</summary>
    public const string Usage = """
        usage: smarthostlab-bench soak --mode slow-reader|flood --relay-dll PATH [options]
          --relay-dll PATH             the relay (smarthostlab-relay.dll), started as "dotnet PATH …" on a fresh data folder
          --seconds S                  attack time (default 60)
          --baseline-seconds B         registered load alone before the attack (default 10; after a 2 s warm-up)
          --clients C                  registered clients, bound to 127.0.0.2 (default 4)
          --rate R                     their messages per second in all, 0 = as fast as they can (default 200)
          --per-session K              messages per registered session (default 10)
        slow-reader:
          --attackers N                hostile connections open at once (default 150), reopened when closed
          --registered-attackers K     of which from registered addresses 127.0.1.1… (default 30); the rest from
                                       unregistered 127.0.0.3…127.0.0.250
          --shapes LIST                pipeline,trickle,slow-data (default all three, dealt round-robin)
          --interval S                 trickle / slow DATA: one byte every S seconds (default 1)
        flood:
          --flooders F                 concurrent connect loops from 127.0.0.3…127.0.0.250 (default 200)
          --flood-shape mixed|hold|hang-up
                                       hold: keep each connection until the relay closes it; hang-up: reset it as soon
                                       as the first reply line came; mixed (default): even loops hold, odd ones hang up
          --max-connections M          flood connections in all, at most (default 2000000)
          --ipv6                       two flooders in eight from ::1; the relay listens on [::]:PORT (dual stack)
        both:
          --grace S                    a hostile connection outlives its bound (relay timeout + 2 s linger) after S
                                       seconds more (default 3)
          --relay-setting KEY=VALUE    a relay setting (repeatable); defaults Smtp:MaxConnections=100,
                                       Smtp:MaxConnectionsPerIp=100, Smtp:CommandTimeout=00:00:10, Smtp:DataTimeout=00:00:10
          --json                       machine-readable report
        exit code: 0 when registered servers kept being served and every bounded hostile connection was closed within
        its bound, 1 when not, 2 on bad usage or a failed run.
        """;

    /// <summary>Parses the arguments after <c>soak --mode …</c>.</summary>
    /// <exception cref="ArgumentException">An unknown flag or a bad value, with the flag named.</exception>
    public static AttackOptions Parse(AttackMode mode, IReadOnlyList<string> args)
    {
        string? dll = null;
        double seconds = 60, baseline = 10, interval = 1, grace = 3;
        int clients = 4, rate = 200, perSession = 10, attackers = 150, registered = 30, flooders = 200;
        long maxConnections = 2_000_000;
        var floodShape = "mixed";
        var ipv6 = false;
        var json = false;
        IReadOnlyList<HostileShape>? shapes = null;
        var settings = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        var registeredGiven = false;
        var flags = new FlagReader(args);
        while (flags.Next())
        {
            var flag = flags.Flag;
            string Value() => flags.Value();
            switch (flag)
            {
                case "--relay-dll": dll = Value(); break;
                case "--seconds": seconds = Seconds(Value(), flag, 0.5, 3600); break;
                case "--baseline-seconds": baseline = Seconds(Value(), flag, 0.5, 3600); break;
                case "--clients": clients = Whole(Value(), flag, 1, 1000); break;
                case "--rate": rate = Whole(Value(), flag, 0, 100_000); break;
                case "--per-session": perSession = Whole(Value(), flag, 1, 100_000); break;
                case "--attackers": attackers = Whole(Value(), flag, 1, 10_000); break;
                case "--registered-attackers": registered = Whole(Value(), flag, 0, 10_000); registeredGiven = true; break;
                case "--shapes": shapes = ParseShapes(Value(), flag); break;
                case "--interval": interval = Seconds(Value(), flag, 0.01, 600); break;
                case "--flooders": flooders = Whole(Value(), flag, 1, 5000); break;
                case "--flood-shape":
                    floodShape = Value();
                    if (floodShape is not ("mixed" or "hold" or "hang-up")) throw new ArgumentException($"{flag}: '{floodShape}' is not mixed, hold or hang-up");
                    break;
                case "--max-connections": maxConnections = Whole(Value(), flag, 1, int.MaxValue); break;
                case "--ipv6": ipv6 = true; break;
                case "--grace": grace = Seconds(Value(), flag, 0, 600); break;
                case "--relay-setting": AddSetting(settings, Value(), flag); break;
                case "--json": json = true; break;
                default: throw new ArgumentException($"unknown option {flag}");
            }
        }
        if (dll is null) throw new ArgumentException("--relay-dll is required");
        if (!File.Exists(dll)) throw new ArgumentException($"--relay-dll: {dll} does not exist");
        if (!registeredGiven) registered = Math.Min(registered, attackers / 5);
        if (registered > attackers) throw new ArgumentException($"--registered-attackers: {registered} is more than --attackers {attackers}");
        var options = new AttackOptions
        {
            Mode = mode,
            RelayDll = Path.GetFullPath(dll),
            Attack = TimeSpan.FromSeconds(seconds),
            Baseline = TimeSpan.FromSeconds(baseline),
            Warmup = TimeSpan.FromSeconds(Math.Min(2, baseline)),
            Clients = clients,
            Rate = rate,
            PerSession = perSession,
            Attackers = attackers,
            RegisteredAttackers = registered,
            Shapes = shapes ?? [HostileShape.Pipeline, HostileShape.Trickle, HostileShape.SlowData],
            Interval = TimeSpan.FromSeconds(interval),
            Flooders = flooders,
            MaxFloodConnections = maxConnections,
            FloodShape = floodShape,
            Ipv6 = ipv6,
            Grace = TimeSpan.FromSeconds(grace),
            RelaySettings = settings,
            Json = json,
        };
        options.EffectiveSmtpOptions(); // a setting that does not bind is a usage error now, not a relay that fails to start
        return options;
    }

    private static void AddSetting(Dictionary<string, string> settings, string text, string flag)
    {
        var equals = text.IndexOf('=', StringComparison.Ordinal);
        if (equals <= 0 || !text[..equals].Contains(':', StringComparison.Ordinal))
            throw new ArgumentException($"{flag}: '{text}' is not Section:Key=VALUE");
        settings[text[..equals]] = text[(equals + 1)..];
    }

    private static List<HostileShape> ParseShapes(string text, string flag)
    {
        var shapes = new List<HostileShape>();
        foreach (var name in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            shapes.Add(name switch
            {
                "pipeline" => HostileShape.Pipeline,
                "trickle" => HostileShape.Trickle,
                "slow-data" => HostileShape.SlowData,
                _ => throw new ArgumentException($"{flag}: '{name}' is not pipeline, trickle or slow-data"),
            });
        }
        return shapes.Count > 0 ? shapes : throw new ArgumentException($"{flag}: no shape given");
    }

    private static int Whole(string text, string flag, int min, int max)
        => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max
            ? n
            : throw new ArgumentException($"{flag}: '{text}' is not a whole number between {min} and {max}");

    private static double Seconds(string text, string flag, double min, double max)
        => double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var s) && s >= min && s <= max
            ? s
            : throw new ArgumentException($"{flag}: '{text}' is not a number of seconds between {min} and {max}");

    /// <summary>The name of a shape on the command line and in reports.</summary>
    public static string Name(HostileShape shape) => shape switch
    {
        HostileShape.Pipeline => "pipeline",
        HostileShape.Trickle => "trickle",
        _ => "slow-data",
    };
}
