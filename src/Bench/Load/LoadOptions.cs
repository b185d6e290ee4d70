using System.Globalization;
using System.Net;

namespace SmarthostLab.Bench.Load;

/// <summary>
/// Settings of one <c>load</c> run, parsed from the command line. Every run is bounded twice:
/// by <see cref="Messages"/> in total and by <see cref="Duration"/>.
/// </summary>
public sealed class LoadOptions
{
    /// <summary>Server to load, loopback only (127.0.0.0/8 or ::1).</summary>
    public IPEndPoint Target { get; set; } = new(IPAddress.Loopback, 2525);

    /// <summary>Concurrent SMTP sessions.</summary>
    public int Connections { get; set; } = 16;

    /// <summary>Messages to send in total (accepted or not); the run stops when they are all sent.</summary>
    public int Messages { get; set; } = 10_000;

    /// <summary>Size of each message in octets (headers included), before dot-stuffing.</summary>
    public int Size { get; set; } = 1024;

    /// <summary>Messages per session before QUIT and a new connection; 0 = keep the session until the run ends.</summary>
    public int PerSession { get; set; } = 100;

    /// <summary>Send MAIL, RCPT and DATA/BDAT in one write (RFC 2920) when the server offers PIPELINING.</summary>
    public bool Pipelining { get; set; }

    /// <summary>Send the message with <c>BDAT n LAST</c> (RFC 3030) instead of DATA.</summary>
    public bool Bdat { get; set; }

    /// <summary>STARTTLS after EHLO (RFC 3207); the server's certificate is not checked.</summary>
    public bool Tls { get; set; }

    /// <summary>Send a DKIM-signed message (signed once at startup).</summary>
    public bool Signed { get; set; }

    /// <summary>Hard time limit of the run.</summary>
    public TimeSpan Duration { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Local address the client sockets bind to (e.g. 127.0.0.2, the registered one), or null.</summary>
    public IPAddress? Bind { get; set; }

    /// <summary>Messages sent (and not counted) before the measured run, so a fresh server's JIT and caches are warm.</summary>
    public int Warmup { get; set; }

    /// <summary>
    /// Messages sent before the measured run (and before <see cref="Warmup"/>), not counted and not capped at 10 s
    /// like the warm-up, so the store holds that many (a large store, e.g. 100,000, for <see cref="Waiters"/>).
    /// </summary>
    public int Prefill { get; set; }

    /// <summary>
    /// <c>GET /api/v1/wait</c> requests with tokens that never match, kept open at the relay's API during the
    /// measured run (a CI fleet waiting for its probes while the relay is under load).
    /// </summary>
    public int Waiters { get; set; }

    /// <summary>Print the report as JSON.</summary>
    public bool Json { get; set; }

    /// <summary>Start the relay in-process on <see cref="Target"/> before loading it.</summary>
    public bool StartRelay { get; set; }

    /// <summary>A process (the relay run apart) whose peak resident memory the report adds, or null.</summary>
    public int? RelayPid { get; set; }

    /// <summary>PEM RSA private key to sign with (selector <c>bench</c>); null = a fresh key made at startup.</summary>
    public string? DkimKeyPath { get; set; }

    /// <summary>Envelope sender domain (and From domain of the message).</summary>
    public string SenderDomain { get; set; } = "contoso.test";

    /// <summary>The relay runs in NextHop mode to this server (issue 13): --start-relay and relay-args.</summary>
    public IPEndPoint? NextHop { get; set; }

    /// <summary>The relay's HTTP API: after the run, wait until its queue drained and report delivered/s.</summary>
    public Uri? RelayApi { get; set; }

    /// <summary>The relay's HTTP endpoint for relay-args (default: port 0).</summary>
    public IPEndPoint? Http { get; set; }

    /// <summary>How long to wait for the relay's queue to drain after the run.</summary>
    public TimeSpan DrainTimeout { get; set; } = TimeSpan.FromSeconds(120);

    /// <summary>Text of the help.</summary>
    public const string Usage = """
        usage: smarthostlab-bench load [options]
          --target HOST:PORT     server to load (loopback only; default 127.0.0.1:2525)
          --connections N        concurrent sessions (default 16)
          --messages M           messages in total (default 10000)
          --size S               message size: 1k, 32k, 1m or octets (default 1k)
          --per-session K        messages per session before reconnecting, 0 = no limit (default 100)
          --pipelining           MAIL+RCPT+DATA (or BDAT) in one write
          --bdat                 BDAT n LAST instead of DATA (CHUNKING)
          --tls                  STARTTLS after EHLO
          --signed               DKIM-signed message (rsa-sha256, signed once at startup)
          --dkim-key FILE        sign with this PEM RSA key, selector "bench" (implies --signed)
          --duration S           hard time limit in seconds (default 60)
          --bind ADDR            local address of the client sockets (e.g. 127.0.0.2)
          --sender-domain D      MAIL FROM and From: domain (default contoso.test)
          --pid PID              also report the peak memory (VmHWM) of process PID
          --start-relay          start the relay in-process on --target (fresh data folder)
          --warmup W             send W messages first, not counted (default 0)
          --next-hop HOST:PORT   with --start-relay (and relay-args): the relay delivers every message there
                                 (Delivery:Mode=NextHop); the report adds delivered/s, accept to the next hop's 250
          --relay-api URL        the relay's HTTP API (set by --start-relay): wait for its queue to drain after the
                                 run (and after the warm-up) and report delivered messages per second
          --http HOST:PORT       relay-args: the relay's HTTP endpoint (default port 0)
          --drain-timeout S      longest wait for the queue to drain (default 120)
          --prefill P            send P messages before the warm-up, not counted and not capped at 10 s (a large store)
          --waiters W            keep W /api/v1/wait requests with never-matching tokens open at the relay's API
                                 during the measured run (--start-relay or --relay-api)
          --json                 machine-readable report
        """;

    /// <summary>Parses the arguments after <c>load</c>.</summary>
    /// <exception cref="ArgumentException">An unknown flag or a bad value, with the flag named.</exception>
    public static LoadOptions Parse(IReadOnlyList<string> args)
    {
        var o = new LoadOptions();
        var flags = new FlagReader(args);
        while (flags.Next())
        {
            var flag = flags.Flag;
            string Value() => flags.Value();
            switch (flag)
            {
                case "--target": o.Target = ParseEndPoint(Value(), flag); break;
                case "--connections": o.Connections = ParsePositive(Value(), flag); break;
                case "--messages": o.Messages = ParsePositive(Value(), flag); break;
                case "--size": o.Size = ParseSize(Value(), flag); break;
                case "--per-session": o.PerSession = ParseNonNegative(Value(), flag); break;
                case "--pipelining": o.Pipelining = true; break;
                case "--bdat": o.Bdat = true; break;
                case "--tls": o.Tls = true; break;
                case "--signed": o.Signed = true; break;
                case "--dkim-key": o.DkimKeyPath = Value(); o.Signed = true; break;
                case "--duration": o.Duration = TimeSpan.FromSeconds(ParsePositive(Value(), flag)); break;
                case "--bind": o.Bind = ParseLoopback(Value(), flag); break;
                case "--sender-domain": o.SenderDomain = Value(); break;
                case "--pid": o.RelayPid = ParsePositive(Value(), flag); break;
                case "--json": o.Json = true; break;
                case "--warmup": o.Warmup = ParseNonNegative(Value(), flag); break;
                case "--start-relay": o.StartRelay = true; break;
                case "--next-hop": o.NextHop = ParseEndPoint(Value(), flag); break;
                case "--relay-api": o.RelayApi = ParseApi(Value(), flag); break;
                case "--http": o.Http = ParseEndPoint(Value(), flag); break;
                case "--drain-timeout": o.DrainTimeout = TimeSpan.FromSeconds(ParsePositive(Value(), flag)); break;
                case "--prefill": o.Prefill = ParseNonNegative(Value(), flag); break;
                case "--waiters": o.Waiters = ParseNonNegative(Value(), flag); break;
                default: throw new ArgumentException($"unknown option {flag}");
            }
        }
        if (o.Waiters > 0 && !o.StartRelay && o.RelayApi is null) throw new ArgumentException("--waiters needs the relay's API: --start-relay or --relay-api");
        return o;
    }

    /// <summary>Parses 1k, 32k, 1m, 4096 (k = 1024).</summary>
    public static int ParseSize(string text, string flag)
    {
        var t = text.Trim().ToLowerInvariant();
        long factor = 1;
        if (t.EndsWith("kb", StringComparison.Ordinal) || t.EndsWith("mb", StringComparison.Ordinal)) t = t[..^1];
        if (t.EndsWith('k')) { factor = 1024; t = t[..^1]; }
        else if (t.EndsWith('m')) { factor = 1024 * 1024; t = t[..^1]; }
        if (!long.TryParse(t, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n * factor < 256 || n * factor > 64L * 1024 * 1024)
            throw new ArgumentException($"{flag}: '{text}' is not a size between 256 octets and 64m");
        return (int)(n * factor);
    }

    private static IPEndPoint ParseEndPoint(string text, string flag)
    {
        if (!IPEndPoint.TryParse(text, out var ep) || ep.Port == 0)
            throw new ArgumentException($"{flag}: '{text}' is not ADDRESS:PORT");
        if (!IPAddress.IsLoopback(ep.Address))
            throw new ArgumentException($"{flag}: {ep.Address} is not a loopback address; the bench only loads this machine");
        return ep;
    }

    private static Uri ParseApi(string text, string flag)
    {
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme != "http" || !IPAddress.TryParse(uri.Host.Trim('[', ']'), out var ip) || !IPAddress.IsLoopback(ip))
            throw new ArgumentException($"{flag}: '{text}' is not http://LOOPBACK-ADDRESS:PORT");
        return uri;
    }

    private static IPAddress ParseLoopback(string text, string flag)
    {
        if (!IPAddress.TryParse(text, out var ip) || !IPAddress.IsLoopback(ip))
            throw new ArgumentException($"{flag}: '{text}' is not a loopback address");
        return ip;
    }

    private static int ParsePositive(string text, string flag)
    {
        var n = ParseNonNegative(text, flag);
        return n > 0 ? n : throw new ArgumentException($"{flag}: must be at least 1");
    }

    private static int ParseNonNegative(string text, string flag)
        => int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
            ? n
            : throw new ArgumentException($"{flag}: '{text}' is not a whole number");
}
