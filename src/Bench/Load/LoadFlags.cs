using System.CommandLine;
using System.Net;
using SmarthostLab.Bench.Cli;

namespace SmarthostLab.Bench.Load;

/// <summary>
/// The options of <c>load</c> (and the part of them <c>relay-args</c> takes), and how they become a
/// <see cref="LoadOptions"/>. One instance per command.
/// </summary>
internal sealed class LoadFlags
{
    public Option<IPEndPoint?> Target { get; } = BenchOptions.LoopbackEndPoint("--target", "Server to load (loopback only).", new IPEndPoint(IPAddress.Loopback, 2525));
    public Option<int> Connections { get; } = BenchOptions.Whole("--connections", 1, 100_000, 16, "Concurrent SMTP sessions.");
    public Option<int> Messages { get; } = BenchOptions.Whole("--messages", 1, int.MaxValue, 10_000, "Messages in total, accepted or not (a refused one uses one up too).");
    public Option<int> Size { get; } = BenchOptions.Size("--size", 1024, "Message size: 1k, 32k, 1m or octets.");
    public Option<int> PerSession { get; } = BenchOptions.Whole("--per-session", 0, int.MaxValue, 100, "Messages per session before QUIT and a new connection; 0 = no limit.");
    public Option<bool> Pipelining { get; } = new("--pipelining") { Description = "MAIL, RCPT and DATA (or BDAT) in one write (RFC 2920) when offered." };
    public Option<bool> Bdat { get; } = new("--bdat") { Description = "BDAT n LAST instead of DATA (CHUNKING, RFC 3030)." };
    public Option<bool> Tls { get; } = new("--tls") { Description = "STARTTLS after EHLO; the server's certificate is not checked." };
    public Option<bool> Signed { get; } = new("--signed") { Description = "DKIM-signed message (rsa-sha256, signed once at startup with a fresh key)." };
    public Option<FileInfo> DkimKey { get; } = new Option<FileInfo>("--dkim-key") { Description = "Sign with this PEM RSA key, selector \"bench\" (implies --signed).", HelpName = "FILE" }.AcceptExistingOnly();
    public Option<double> Duration { get; } = BenchOptions.Seconds("--duration", 0.1, 86_400, 60, "Hard time limit of the run in seconds (I/O still pending 5 s later is cancelled).");
    public Option<IPAddress?> Bind { get; } = BenchOptions.LoopbackAddress("--bind", "Local address of the client sockets (e.g. 127.0.0.2, the registered one).");
    public Option<string> SenderDomain { get; } = new("--sender-domain") { Description = "MAIL FROM and From: domain.", HelpName = "D", DefaultValueFactory = _ => "contoso.test" };
    public Option<int> Pid { get; } = BenchOptions.Whole("--pid", 1, int.MaxValue, 0, "Also report the peak memory (VmHWM) and CPU per message of process PID (the relay run apart).");
    public Option<IReadOnlyList<CpuGroup>> Cpu { get; } = BenchOptions.CpuGroups("--cpu", "Also report the CPU per message of a named group of processes, each with its children (e.g. postgres=POSTMASTER-PID, relays=PID1,PID2); repeatable.");
    public Option<bool> StartRelay { get; } = new("--start-relay") { Description = "Start the relay in-process on --target (fresh data folder)." };
    public Option<int> Warmup { get; } = BenchOptions.Whole("--warmup", 0, int.MaxValue, 0, "Send W messages first, not counted (at most 10 s of them; closed loop).");
    public Option<IPEndPoint?> NextHop { get; } = BenchOptions.LoopbackEndPoint("--next-hop", "With --start-relay (and relay-args): the relay delivers every message there (Delivery:Mode=NextHop); the report adds delivered/s.");
    public Option<Uri?> RelayApi { get; } = BenchOptions.LoopbackHttp("--relay-api", "The relay's HTTP API (set by --start-relay): wait for its queue to drain after the run and report delivered messages per second.");
    public Option<IPEndPoint?> Http { get; } = BenchOptions.LoopbackEndPoint("--http", "The relay's HTTP endpoint for --start-relay and relay-args (default port 0).");
    public Option<double> DrainTimeout { get; } = BenchOptions.Seconds("--drain-timeout", 1, 86_400, 120, "Longest wait for the relay's queue to drain.");
    public Option<int> Prefill { get; } = BenchOptions.Whole("--prefill", 0, int.MaxValue, 0, "Send P messages before the warm-up, not counted and not capped at 10 s (a large store).");
    public Option<int> Waiters { get; } = BenchOptions.Whole("--waiters", 0, 100_000, 0, "Keep W /api/v1/wait requests with never-matching tokens open at the relay's API during the run (--start-relay or --relay-api).");
    public Option<int> Rate { get; } = BenchOptions.Whole("--rate", 0, 10_000_000, 0, "Open loop: N messages per second, each due at a fixed time whatever the replies; latency runs from the due time (no coordinated omission). 0 = closed loop.");
    public Option<bool> Json { get; } = new("--json") { Description = "Machine-readable report (no progress lines unless --progress)." };
    public Option<bool> Quiet { get; } = new("--quiet", "-q") { Description = "No progress lines." };
    public Option<bool> Progress { get; } = new("--progress") { Description = "Progress lines on stderr once a second even with --json." };
    public Option<string?> Label { get; } = new("--label") { Description = "A name for this run in the JSON report (the series of the HTML report, e.g. relay or sink).", HelpName = "NAME" };

    /// <summary>Adds the options of <c>load</c>.</summary>
    public void AddToLoad(Command command)
    {
        foreach (var option in new Option[]
                 {
                     Target, Connections, Messages, Size, PerSession, Pipelining, Bdat, Tls, Signed, DkimKey, Duration, Rate, Bind, SenderDomain,
                     Pid, Cpu, StartRelay, Warmup, Prefill, NextHop, RelayApi, Http, DrainTimeout, Waiters, Json, Progress, Quiet, Label,
                 })
        {
            command.Options.Add(option);
        }
        command.Validators.Add(BenchOptions.WhenParsed(result =>
        {
            if (result.ValueOf(Waiters) > 0 && !result.ValueOf(StartRelay) && result.ValueOf(RelayApi) is null)
                result.AddError("--waiters needs the relay's API: --start-relay or --relay-api");
            if (result.ValueOf(Quiet) && result.ValueOf(Progress))
                result.AddError("use only one of --quiet and --progress");
        }));
    }

    /// <summary>Adds the options of <c>relay-args</c>: what shapes the relay's lab configuration.</summary>
    public void AddToRelayArgs(Command command)
    {
        foreach (var option in new Option[] { Target, Http, NextHop, DkimKey, Signed, SenderDomain }) command.Options.Add(option);
    }

    /// <summary>The settings the command line gave (defaults for the options the command does not have).</summary>
    public LoadOptions Read(ParseResult parse)
    {
        var json = parse.GetValue(Json);
        return new LoadOptions
        {
            Target = parse.GetValue(Target) ?? new IPEndPoint(IPAddress.Loopback, 2525),
            Connections = parse.GetValue(Connections),
            Messages = parse.GetValue(Messages),
            Size = parse.GetValue(Size),
            PerSession = parse.GetValue(PerSession),
            Pipelining = parse.GetValue(Pipelining),
            Bdat = parse.GetValue(Bdat),
            Tls = parse.GetValue(Tls),
            Signed = parse.GetValue(Signed) || parse.GetValue(DkimKey) is not null,
            DkimKeyPath = parse.GetValue(DkimKey)?.FullName,
            Duration = TimeSpan.FromSeconds(parse.GetValue(Duration)),
            Rate = parse.GetValue(Rate),
            Bind = parse.GetValue(Bind),
            SenderDomain = parse.GetValue(SenderDomain) ?? "contoso.test",
            RelayPid = parse.GetValue(Pid) is > 0 and var pid ? pid : null,
            CpuGroups = parse.GetValue(Cpu) ?? [],
            StartRelay = parse.GetValue(StartRelay),
            Warmup = parse.GetValue(Warmup),
            Prefill = parse.GetValue(Prefill),
            NextHop = parse.GetValue(NextHop),
            RelayApi = parse.GetValue(RelayApi),
            Http = parse.GetValue(Http),
            DrainTimeout = TimeSpan.FromSeconds(parse.GetValue(DrainTimeout)),
            Waiters = parse.GetValue(Waiters),
            Json = json,
            Progress = !parse.GetValue(Quiet) && (!json || parse.GetValue(Progress)),
            Label = parse.GetValue(Label),
        };
    }
}
