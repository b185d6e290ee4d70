using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using SmarthostLab.Bench.Load;

namespace SmarthostLab.Bench.Soak;

/// <summary>
/// <c>soak --mode slow-reader|flood</c> (issue 16): starts the relay as a child process on a fresh data folder,
/// registering only 127.0.0.2 and 127.0.1.0/24; runs the registered clients for a warm-up and a baseline, then
/// keeps them running while the attack runs; then follows every hostile connection until the relay closes it or
/// it outlives its bound, stops the relay with SIGTERM (the unbounded hostile connections still open) and reports.
/// </summary>
public static class AttackCommand
{
    /// <summary>The registered clients' address.</summary>
    public static readonly IPAddress RegisteredClient = IPAddress.Parse("127.0.0.2");

    /// <summary>What the relay registers: the clients, and the registered attackers' 127.0.1.0/24.</summary>
    public static readonly IReadOnlyList<string> Registered = ["127.0.0.2/32", "127.0.1.0/24"];

    private const string SenderDomain = "contoso.test";

    /// <summary>The relay's Host:ShutdownTimeout unless set (HostingOptions).</summary>
    private static readonly TimeSpan DefaultShutdownTimeout = new SmarthostLab.Relay.Configuration.HostingOptions().ShutdownTimeout;

    /// <summary>Runs an attack mode; exit code 0 when both verdicts are yes, 1 when one is no, 2 on a failed run.</summary>
    /// <param name="options">The attack's settings (from <c>soak --mode slow-reader|flood</c>).</param>
    /// <param name="output">Where the report goes.</param>
    /// <param name="error">Where failures and the relay's first stderr lines go.</param>
    public static async Task<int> RunAsync(AttackOptions options, TextWriter output, TextWriter error)
    {
        ArgumentNullException.ThrowIfNull(options);
        var folder = Directory.CreateTempSubdirectory("smarthostlab-soak-").FullName;
        RelayChildProcess? relay = null;
        using var stopSenders = new CancellationTokenSource();
        using var attackOver = new CancellationTokenSource();
        using var finalStop = new CancellationTokenSource();
        try
        {
            var report = await RunAsync(options, folder, output, error, r => relay = r, stopSenders, attackOver, finalStop).ConfigureAwait(false);
            report.Write(output, options.Json);
            return report.Served && report.WithinBound ? 0 : 1;
        }
        catch (Exception e) when (e is InvalidOperationException or IOException or SocketException or TimeoutException or System.ComponentModel.Win32Exception)
        {
            await error.WriteLineAsync($"soak: {e.Message}").ConfigureAwait(false);
            return 2;
        }
        finally
        {
            await stopSenders.CancelAsync().ConfigureAwait(false);
            await attackOver.CancelAsync().ConfigureAwait(false);
            await finalStop.CancelAsync().ConfigureAwait(false);
            await RelayChildProcess.CleanUpAsync(relay, folder, error).ConfigureAwait(false);
        }
    }

    private static async Task<AttackReport> RunAsync(AttackOptions options, string folder, TextWriter output, TextWriter error, Action<RelayChildProcess> started,
        CancellationTokenSource stopSenders, CancellationTokenSource attackOver, CancellationTokenSource finalStop)
    {
        var smtp = options.EffectiveSmtpOptions();
        var port = RelayChildProcess.FreePort();
        var target = new IPEndPoint(IPAddress.Loopback, port);
        var ipv6 = options.Ipv6 && options.Mode == AttackMode.Flood;
        var target6 = ipv6 ? new IPEndPoint(IPAddress.IPv6Loopback, port) : null;
        var http = new IPEndPoint(IPAddress.Loopback, RelayChildProcess.FreePort());
        var load = new LoadOptions { Target = target, Http = http, SenderDomain = SenderDomain };
        var relayArgs = RelayLabConfig.Write(folder, load, BenchMessage.Create(1024, SenderDomain, signed: false), Registered).ToList();
        // --ipv6: one endpoint taking both 127.0.0.x and ::1 is the dual-stack [::] one.
        if (ipv6) relayArgs[relayArgs.IndexOf("--smtp") + 1] = $"[::]:{port}";
        var settings = options.EffectiveRelaySettings();
        relayArgs.AddRange(settings.Select(kv => $"--{kv.Key}={kv.Value}"));
        var modeName = options.Mode == AttackMode.SlowReader ? "slow-reader" : "flood";
        if (!options.Json)
            await output.WriteLineAsync($"soak {modeName}: relay {options.RelayDll}, smtp {relayArgs[relayArgs.IndexOf("--smtp") + 1]}, http {http}, data {folder}").ConfigureAwait(false);

        var relay = RelayChildProcess.Start(options.RelayDll, relayArgs, error, RelayChildProcess.EchoedLines);
        started(relay);
        await relay.WaitForPortAsync(target).ConfigureAwait(false);

        var loadAtStart = LoadAverage();
        var lives = new HostileLives();
        await using var relaySide = options.Mode == AttackMode.SlowReader ? RelaySideSockets.TryStart(port) : null;
        var senders = new RegisteredSenders(target, RegisteredClient, SenderDomain, options);
        var sending = senders.RunAsync(stopSenders.Token);
        await Task.Delay(options.Warmup).ConfigureAwait(false);
        senders.Enter(RegisteredSenders.BaselinePhase);
        var baselineStarted = Stopwatch.GetTimestamp();
        var cpu0 = (Relay: ProcessCpu.Read(relay.Process.Id), Bench: ProcessCpu.Read());
        await Task.Delay(options.Baseline).ConfigureAwait(false);
        var baselineElapsed = Stopwatch.GetElapsedTime(baselineStarted);

        senders.Enter(RegisteredSenders.AttackPhase);
        var attackStarted = Stopwatch.GetTimestamp();
        var cpu1 = (Relay: ProcessCpu.Read(relay.Process.Id), Bench: ProcessCpu.Read());
        HostileConnections? hostile = null;
        ConnectionFlood? flood = null;
        Task bounded, unbounded;
        TimeSpan longestBound;
        string attack;
        if (options.Mode == AttackMode.SlowReader)
        {
            hostile = new HostileConnections(target, SenderDomain, options, smtp, lives, relaySide);
            (bounded, unbounded) = hostile.Start(attackOver.Token, finalStop.Token);
            longestBound = options.Shapes.SelectMany(s => new[] { HostileConnections.Bound(true, s, smtp, options.Interval), HostileConnections.Bound(false, s, smtp, options.Interval) })
                .Max(b => b ?? TimeSpan.Zero);
            var unregistered = options.Attackers - options.RegisteredAttackers;
            attack = string.Create(CultureInfo.InvariantCulture,
                $"{options.Attackers} hostile connections at once, reopened when closed, for {options.Attack.TotalSeconds:F0} s: {unregistered} from unregistered 127.0.0.3-127.0.0.{HostileConnections.FirstUnregistered + Math.Min(unregistered, HostileConnections.UnregisteredAddresses) - 1}, " +
                $"{options.RegisteredAttackers} from registered 127.0.1.1-127.0.1.{Math.Min(options.RegisteredAttackers, 254)}; shapes {string.Join("/", options.Shapes.Select(AttackOptions.Name))} dealt in turn; one byte every {options.Interval.TotalSeconds} s");
        }
        else
        {
            flood = new ConnectionFlood(target, target6, options, smtp, lives);
            bounded = flood.Start(attackOver.Token);
            unbounded = Task.CompletedTask;
            longestBound = smtp.RefusedSessionTimeout + AttackOptions.CloseLinger;
            attack = string.Create(CultureInfo.InvariantCulture,
                $"{options.Flooders} connect loops for {options.Attack.TotalSeconds:F0} s (at most {options.MaxFloodConnections} connections) from unregistered 127.0.0.3-127.0.0.250{(ipv6 ? " and ::1 (two loops in eight)" : "")}; {options.FloodShape switch { "hold" => "every loop holds each connection until the relay closes it", "hang-up" => "every loop hangs up after the first reply line", _ => "even loops hold each connection until the relay closes it, odd ones hang up after the first reply line" }}");
        }
        await Task.Delay(options.Attack).ConfigureAwait(false);
        var cpu2 = (Relay: ProcessCpu.Read(relay.Process.Id), Bench: ProcessCpu.Read());
        var relayAlive = !relay.Process.HasExited;
        await stopSenders.CancelAsync().ConfigureAwait(false);
        await attackOver.CancelAsync().ConfigureAwait(false);
        var attackElapsed = Stopwatch.GetElapsedTime(attackStarted);

        // Every wait below is bounded: a message in flight by its reply timeouts, a hostile connection by its bound and the grace.
        await sending.WaitAsync(RegisteredSenders.ReplyTimeout * 6 + RegisteredSenders.ConnectTimeout).ConfigureAwait(false);
        await bounded.WaitAsync(longestBound + options.Grace + TimeSpan.FromSeconds(15)).ConfigureAwait(false);
        var counters = await ScrapeCountersAsync(http).ConfigureAwait(false);
        var relayPeak = PeakMemory.Read(relay.Process.Id);
        var loadAtEnd = LoadAverage();
        relayAlive &= !relay.Process.HasExited;

        var openAtStop = hostile?.Open ?? 0;
        lives.RelayStopping = true;
        // A session inside DATA is let finish its message for up to Host:ShutdownTimeout: wait that long, and more.
        var shutdownTimeout = settings.TryGetValue("Host:ShutdownTimeout", out var configured) && TimeSpan.TryParse(configured, CultureInfo.InvariantCulture, out var parsed)
            ? parsed
            : DefaultShutdownTimeout;
        var (stopElapsed, killed) = await relay.StopAsync(shutdownTimeout + RelayChildProcess.StopTimeout).ConfigureAwait(false);
        await Task.Delay(TimeSpan.FromMilliseconds(300)).ConfigureAwait(false); // the pollers see the relay's close
        await finalStop.CancelAsync().ConfigureAwait(false);
        await unbounded.WaitAsync(TimeSpan.FromSeconds(15)).ConfigureAwait(false);

        return new AttackReport
        {
            Mode = modeName,
            Smtp = relayArgs[relayArgs.IndexOf("--smtp") + 1],
            RelaySettings = settings,
            Limits = AttackReport.LimitsOf(smtp),
            Attack = attack,
            Registered = string.Create(CultureInfo.InvariantCulture,
                $"{options.Clients} clients from {RegisteredClient}, {(options.Rate > 0 ? $"{options.Rate} messages/s in all" : "as fast as they can")}, {options.PerSession} messages a session; {options.Warmup.TotalSeconds:F0} s warm-up, {options.Baseline.TotalSeconds:F0} s baseline"),
            Baseline = PhaseSummary.Of(senders[RegisteredSenders.BaselinePhase], baselineElapsed),
            UnderAttack = PhaseSummary.Of(senders[RegisteredSenders.AttackPhase], attackElapsed),
            HostileConnections = hostile?.Opened ?? flood!.Connections,
            HostileConnectFailures = hostile?.ConnectFailures ?? flood!.ConnectFailures,
            FloodGreetings = flood is null ? null : new Dictionary<string, long>(StringComparer.Ordinal)
            {
                ["554"] = flood.Refused554,
                ["421"] = flood.Busy421,
                ["other"] = flood.OtherGreeting,
                ["none"] = flood.NoGreeting,
            },
            FloodOtherReplies = flood?.OtherReplies.ToDictionary(StringComparer.Ordinal),
            FloodIpv6Connections = flood?.Ipv6Connections ?? 0,
            Groups = AttackReport.Summarize(lives.All),
            RelayCounters = counters,
            RelayAlive = relayAlive,
            StopSeconds = stopElapsed.TotalSeconds,
            ShutdownTimeoutSeconds = shutdownTimeout.TotalSeconds,
            OpenAtStop = openAtStop,
            StopKilled = killed,
            Machine = string.Create(CultureInfo.InvariantCulture,
                $"CPU cores used: baseline relay {Cores(cpu0.Relay, cpu1.Relay, baselineElapsed)}, bench {Cores(cpu0.Bench, cpu1.Bench, baselineElapsed)}; " +
                $"attack relay {Cores(cpu1.Relay, cpu2.Relay, attackElapsed)}, bench {Cores(cpu1.Bench, cpu2.Bench, attackElapsed)} (of {Environment.ProcessorCount}); " +
                $"load average {loadAtStart} at the start, {loadAtEnd} at the end; relay peak RSS {(relayPeak is { } peak ? $"{peak / (1024.0 * 1024):F0} MiB" : "-")}"),
            LogLines = relay.LogLines,
            LogChars = relay.LogChars,
        };
    }

    /// <summary>CPU time between two readings as cores busy over <paramref name="elapsed"/>, or "-".</summary>
    private static string Cores(TimeSpan? before, TimeSpan? after, TimeSpan elapsed) =>
        before is { } b && after is { } a && elapsed > TimeSpan.Zero ? ((a - b) / elapsed).ToString("F2", CultureInfo.InvariantCulture) : "-";

    /// <summary>The machine's 1-minute load average (other work on it shows here), or "-".</summary>
    private static string LoadAverage()
    {
        try
        {
            return File.ReadAllText("/proc/loadavg").Split(' ')[0];
        }
        catch (IOException)
        {
            return "-";
        }
    }

    /// <summary>smtp_connections_total and smtp_refusals_total by reason from the relay's /metrics; empty when it does not answer.</summary>
    private static async Task<IReadOnlyDictionary<string, double>> ScrapeCountersAsync(IPEndPoint http)
    {
        var counters = new SortedDictionary<string, double>(StringComparer.Ordinal);
        try
        {
            using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            var text = await client.GetStringAsync(new Uri($"http://{http}/metrics")).ConfigureAwait(false);
            foreach (var line in text.Split('\n'))
            {
                if (!line.StartsWith("smtp_connections_total", StringComparison.Ordinal) && !line.StartsWith("smtp_refusals_total", StringComparison.Ordinal)) continue;
                var space = line.LastIndexOf(' ');
                if (space > 0 && double.TryParse(line.AsSpan(space + 1), NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
                    counters[line[..space]] = value;
            }
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            // No counters: the report says nothing of them.
        }
        return counters;
    }
}
