using System.Net;

namespace SmarthostLab.Bench.Load;

/// <summary>
/// Settings of one <c>load</c> run (built by <see cref="LoadCommand"/> from the command line). Every run is bounded twice:
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

    /// <summary>Named groups of processes whose CPU per message the report adds (<c>--cpu</c>).</summary>
    public IReadOnlyList<CpuGroup> CpuGroups { get; set; } = [];

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

    /// <summary>
    /// Open loop: messages per second, each due at a fixed time whatever the replies (see <see cref="LoadRunner"/>);
    /// 0 = closed loop (each connection sends its next message when the last one was answered).
    /// </summary>
    public int Rate { get; set; }

    /// <summary>Print a progress line on stderr once a second during the run.</summary>
    public bool Progress { get; set; } = true;

    /// <summary>A name for this run in the JSON report (the series of the HTML report: sink, smtpd, relay, …), or null.</summary>
    public string? Label { get; set; }

    /// <summary>A copy for an uncounted phase before the measured run (prefill, warm-up): closed loop, no progress label.</summary>
    public LoadOptions ForPhase(int messages, TimeSpan duration)
    {
        var copy = (LoadOptions)MemberwiseClone();
        copy.Messages = messages;
        copy.Duration = duration;
        copy.Rate = 0;
        return copy;
    }
}
