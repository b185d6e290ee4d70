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

    /// <summary>The name of a shape on the command line and in reports.</summary>
    public static string Name(HostileShape shape) => shape switch
    {
        HostileShape.Pipeline => "pipeline",
        HostileShape.Trickle => "trickle",
        _ => "slow-data",
    };
}
