using System.Globalization;
using System.Text.Json;
using SmarthostLab.Smtp;

namespace SmarthostLab.Bench.Soak;

/// <summary>What the registered clients saw in one phase, summarized.</summary>
public sealed record PhaseSummary(
    double Seconds, int Sessions, int RefusedAtConnect, int ConnectErrors, int SessionErrors,
    int Attempted, int Accepted, int MessagesRefused, LatencySummary Message, LatencySummary Connect,
    IReadOnlyDictionary<string, int> Problems)
{
    internal static PhaseSummary Of(SenderPhase phase, TimeSpan elapsed) => new(
        elapsed.TotalSeconds, phase.Sessions, phase.RefusedAtConnect, phase.ConnectErrors, phase.SessionErrors,
        phase.Attempted, phase.Accepted, phase.MessagesRefused, phase.Message.Summarize(), phase.Connect.Summarize(),
        new Dictionary<string, int>(phase.Problems, StringComparer.Ordinal));

    /// <summary>Accepted messages per second.</summary>
    public double Rate => Seconds > 0 ? Accepted / Seconds : 0;
}

/// <summary>The hostile connections of one group (kind and shape), summarized.</summary>
/// <param name="FinBehindData">Closed on the relay's side while the client still saw the connection open (FIN queued behind unread replies).</param>
public sealed record HostileGroup(string Group, int Connections, int ClosedByRelay, int OutlivedBound, int ClosedAtShutdown, int OpenAtEnd,
    double? BoundSeconds, double LifetimeP50Seconds, double LifetimeMaxSeconds, int FinBehindData);

/// <summary>
/// The report of an attack run: the registered clients' baseline and attack phases, the hostile connections'
/// lives, the relay's own counts, and the two verdicts. <see cref="Served"/>: every message the registered clients
/// began during the attack was accepted, no connection of theirs was refused (421) or failed, and the relay was
/// still running. <see cref="WithinBound"/>: every hostile connection that has a bound was closed by the relay within it.
/// </summary>
public sealed record AttackReport
{
    /// <summary>slow-reader or flood.</summary>
    public required string Mode { get; init; }

    /// <summary>The relay's SMTP endpoint.</summary>
    public required string Smtp { get; init; }

    /// <summary>The settings the relay was started with beyond the lab configuration.</summary>
    public required IReadOnlyDictionary<string, string> RelaySettings { get; init; }

    /// <summary>The SMTP limits and timeouts in effect (as the relay binds them).</summary>
    public required string Limits { get; init; }

    /// <summary>One line saying what attacked.</summary>
    public required string Attack { get; init; }

    /// <summary>Registered clients, message rate, messages per session.</summary>
    public required string Registered { get; init; }

    /// <summary>Registered load alone.</summary>
    public required PhaseSummary Baseline { get; init; }

    /// <summary>Registered load under attack.</summary>
    public required PhaseSummary UnderAttack { get; init; }

    /// <summary>Hostile connections opened (slow-reader) or made (flood).</summary>
    public required long HostileConnections { get; init; }

    /// <summary>Hostile connections that could not be opened.</summary>
    public required long HostileConnectFailures { get; init; }

    /// <summary>Flood only: first reply codes of the flood's connections (554, 421, other, none).</summary>
    public IReadOnlyDictionary<string, long>? FloodGreetings { get; init; }

    /// <summary>Flood only: first reply lines other than 554, with their counts.</summary>
    public IReadOnlyDictionary<string, long>? FloodOtherReplies { get; init; }

    /// <summary>Flood only: connections from ::1.</summary>
    public long FloodIpv6Connections { get; init; }

    /// <summary>The timed connections by group.</summary>
    public required IReadOnlyList<HostileGroup> Groups { get; init; }

    /// <summary>The relay's own counters at the end (smtp_connections_total, smtp_refusals_total by reason), when it answered.</summary>
    public required IReadOnlyDictionary<string, double> RelayCounters { get; init; }

    /// <summary>The relay was running when the attack ended.</summary>
    public required bool RelayAlive { get; init; }

    /// <summary>SIGTERM to exit, seconds, with the unbounded hostile connections still open.</summary>
    public required double StopSeconds { get; init; }

    /// <summary>The relay's Host:ShutdownTimeout, seconds.</summary>
    public required double ShutdownTimeoutSeconds { get; init; }

    /// <summary>Hostile connections open when SIGTERM was sent.</summary>
    public required int OpenAtStop { get; init; }

    /// <summary>The relay had to be killed after SIGTERM.</summary>
    public required bool StopKilled { get; init; }

    /// <summary>CPU the relay and the bench used in each phase, the machine's load, the relay's peak memory.</summary>
    public required string Machine { get; init; }

    /// <summary>Lines and characters the relay logged during the run.</summary>
    public required long LogLines { get; init; }

    /// <summary>Characters the relay logged during the run.</summary>
    public required long LogChars { get; init; }

    /// <summary>Registered servers kept being served.</summary>
    public bool Served =>
        RelayAlive && UnderAttack.Attempted > 0 && UnderAttack.Accepted == UnderAttack.Attempted
        && UnderAttack.RefusedAtConnect == 0 && UnderAttack.ConnectErrors == 0 && UnderAttack.SessionErrors == 0;

    /// <summary>Every bounded hostile connection was closed by the relay within its bound.</summary>
    public bool WithinBound => Groups.All(g => g.BoundSeconds is null || g.OutlivedBound == 0);

    /// <summary>The verdict line on the registered servers, with its numbers.</summary>
    public string ServedVerdict => string.Create(CultureInfo.InvariantCulture,
        $"registered servers kept being served: {(Served ? "yes" : "no")} (under attack: {UnderAttack.Accepted}/{UnderAttack.Attempted} messages accepted, " +
        $"{UnderAttack.RefusedAtConnect} refused at connect (421…), {UnderAttack.ConnectErrors} connect errors, {UnderAttack.SessionErrors} broken sessions" +
        $"{(RelayAlive ? "" : ", the relay died")}; rate {Ratio(UnderAttack.Rate, Baseline.Rate)}, latency p50 {Ratio(UnderAttack.Message.P50, Baseline.Message.P50)}, p99 {Ratio(UnderAttack.Message.P99, Baseline.Message.P99)}, " +
        $"connect p99 {Ratio(UnderAttack.Connect.P99, Baseline.Connect.P99)} of the baseline's)");

    /// <summary>The verdict line on the hostile connections' lives.</summary>
    public string BoundVerdict
    {
        get
        {
            var bounded = Groups.Where(g => g.BoundSeconds is not null).ToList();
            var worst = bounded.OrderByDescending(g => g.LifetimeMaxSeconds - g.BoundSeconds!.Value).FirstOrDefault();
            var unbounded = Groups.Where(g => g.BoundSeconds is null).ToList();
            var text = string.Create(CultureInfo.InvariantCulture,
                $"hostile connections closed by the relay within their bound: {(WithinBound ? "yes" : "no")} ({bounded.Sum(g => g.ClosedByRelay)}/{bounded.Sum(g => g.Connections)} bounded connections closed by the relay in time, {bounded.Sum(g => g.OutlivedBound)} outlived it");
            if (worst is not null)
                text += string.Create(CultureInfo.InvariantCulture, $"; longest {worst.LifetimeMaxSeconds:F1} s of {worst.BoundSeconds:F1} s allowed + grace ({worst.Group})");
            if (unbounded.Count > 0)
                text += string.Create(CultureInfo.InvariantCulture,
                    $"; {unbounded.Sum(g => g.Connections)} without a bound ({string.Join(", ", unbounded.Select(g => g.Group))}: the DATA timeout runs between reads), {unbounded.Sum(g => g.ClosedAtShutdown)} closed by the relay's SIGTERM");
            return text + ")";
        }
    }

    /// <summary>"x1.8" (attack / baseline), or "-" when either is missing.</summary>
    public static string Ratio(double attack, double baseline) =>
        attack > 0 && baseline > 0 ? string.Create(CultureInfo.InvariantCulture, $"x{attack / baseline:F2}") : "-";

    /// <summary>Summarizes the lives of the hostile connections by group.</summary>
    internal static List<HostileGroup> Summarize(IEnumerable<HostileLife> lives) =>
        lives.GroupBy(l => l.Group, StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g =>
            {
                var seconds = g.Select(l => l.Lifetime.TotalSeconds).Order().ToArray();
                return new HostileGroup(g.Key, seconds.Length,
                    g.Count(l => l.Outcome == LifeOutcome.ClosedByRelay), g.Count(l => l.Outcome == LifeOutcome.OutlivedBound),
                    g.Count(l => l.Outcome == LifeOutcome.ClosedAtShutdown), g.Count(l => l.Outcome == LifeOutcome.OpenAtEnd),
                    g.First().Bound?.TotalSeconds, seconds[(seconds.Length - 1) / 2], seconds[^1], g.Count(l => l.FinBehindData));
            })
            .ToList();

    /// <summary>The SMTP limits that matter, as one line.</summary>
    internal static string LimitsOf(SmtpOptions o) => string.Create(CultureInfo.InvariantCulture,
        $"MaxConnections {o.MaxConnections}, MaxConnectionsPerIp {o.MaxConnectionsPerIp}, MaxRefusedConnections {o.MaxRefusedConnections}, " +
        $"RefusedSessionTimeout {o.RefusedSessionTimeout.TotalSeconds} s, CommandTimeout {o.CommandTimeout.TotalSeconds} s, DataTimeout {o.DataTimeout.TotalSeconds} s, " +
        $"MaxBadCommands {o.MaxBadCommands}, IPv6PrefixLength {o.IPv6PrefixLength}");

    /// <summary>Writes the report as text or JSON.</summary>
    public void Write(TextWriter output, bool json)
    {
        if (json)
        {
            output.WriteLine(JsonSerializer.Serialize(new
            {
                mode = Mode,
                smtp = Smtp,
                relaySettings = RelaySettings,
                limits = Limits,
                attack = Attack,
                registered = Registered,
                baseline = Baseline,
                underAttack = UnderAttack,
                hostileConnections = HostileConnections,
                hostileConnectFailures = HostileConnectFailures,
                floodGreetings = FloodGreetings,
                floodOtherReplies = FloodOtherReplies,
                floodIpv6Connections = FloodIpv6Connections,
                groups = Groups,
                relayCounters = RelayCounters,
                relayAlive = RelayAlive,
                stopSeconds = Math.Round(StopSeconds, 2),
                shutdownTimeoutSeconds = ShutdownTimeoutSeconds,
                openAtStop = OpenAtStop,
                stopKilled = StopKilled,
                machine = Machine,
                logLines = LogLines,
                logChars = LogChars,
                served = Served,
                withinBound = WithinBound,
                servedVerdict = ServedVerdict,
                boundVerdict = BoundVerdict,
            }, new JsonSerializerOptions { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase }));
            return;
        }
        var c = CultureInfo.InvariantCulture;
        output.WriteLine($"relay limits: {Limits}");
        output.WriteLine($"attack: {Attack}");
        output.WriteLine($"registered: {Registered}");
        output.WriteLine("phase      seconds  sessions  421/refused  connect-err  broken  attempted  accepted  msg/s   message p50/p99/max ms   connect p50/p99/max ms");
        foreach (var (name, p) in new[] { ("baseline", Baseline), ("attack", UnderAttack) })
        {
            output.WriteLine(string.Create(c,
                $"{name,-10} {p.Seconds,7:F1}  {p.Sessions,8}  {p.RefusedAtConnect,11}  {p.ConnectErrors,11}  {p.SessionErrors,6}  {p.Attempted,9}  {p.Accepted,8}  {p.Rate,6:F0}   {p.Message,-22}   {p.Connect}"));
            foreach (var (problem, count) in p.Problems) output.WriteLine($"           {count} x {problem}");
        }
        output.WriteLine($"attack / baseline: message p50 {Ratio(UnderAttack.Message.P50, Baseline.Message.P50)}, p99 {Ratio(UnderAttack.Message.P99, Baseline.Message.P99)}, max {Ratio(UnderAttack.Message.Max, Baseline.Message.Max)}; connect p50 {Ratio(UnderAttack.Connect.P50, Baseline.Connect.P50)}, p99 {Ratio(UnderAttack.Connect.P99, Baseline.Connect.P99)}");
        output.WriteLine(string.Create(c, $"hostile connections: {HostileConnections} made, {HostileConnectFailures} failed to connect{(FloodIpv6Connections > 0 ? $", {FloodIpv6Connections} from ::1" : "")}"));
        if (FloodGreetings is not null)
            output.WriteLine($"flood first replies: {string.Join(", ", FloodGreetings.Select(kv => $"{kv.Key} {kv.Value}"))}");
        foreach (var (text, count) in FloodOtherReplies ?? new Dictionary<string, long>())
            output.WriteLine($"           {count} x {text}");
        output.WriteLine("group                        timed  closed-by-relay  outlived  at-SIGTERM  open-at-end  bound s  life p50 s  life max s  fin-behind-data");
        foreach (var g in Groups)
        {
            output.WriteLine(string.Create(c,
                $"{g.Group,-28} {g.Connections,6}  {g.ClosedByRelay,15}  {g.OutlivedBound,8}  {g.ClosedAtShutdown,10}  {g.OpenAtEnd,11}  {(g.BoundSeconds is { } b ? b.ToString("F1", c) : "none"),7}  {g.LifetimeP50Seconds,9:F1}  {g.LifetimeMaxSeconds,10:F1}  {g.FinBehindData,15}"));
        }
        if (RelayCounters.Count > 0)
            output.WriteLine($"relay counters: {string.Join(", ", RelayCounters.Select(kv => string.Create(c, $"{kv.Key} {kv.Value}")))}");
        output.WriteLine(string.Create(c, $"relay: {(RelayAlive ? "running" : "DIED")} at the end of the attack; SIGTERM with {OpenAtStop} hostile connections open: exited in {StopSeconds:F1} s (Host:ShutdownTimeout {ShutdownTimeoutSeconds:F0} s){(StopKilled ? ", SIGKILL needed" : "")}; logged {LogLines} lines, {LogChars / 1024.0:F0} KiB"));
        output.WriteLine($"machine: {Machine}");
        output.WriteLine(ServedVerdict);
        output.WriteLine(BoundVerdict);
    }
}
