using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace SmarthostLab.Bench.Load;

/// <summary>The merged figures of one load run and their text and JSON forms.</summary>
public sealed class LoadResult
{
    private LoadResult(LoadOptions options, int messageOctets) { Options = options; MessageOctets = messageOctets; }

    /// <summary>The run's settings.</summary>
    public LoadOptions Options { get; }

    /// <summary>Octets of one message as stored.</summary>
    public int MessageOctets { get; }

    /// <summary>Wall time from the first connection to the last reply.</summary>
    public TimeSpan Elapsed { get; private set; }

    /// <summary>True when the duration ran out before all messages were sent.</summary>
    public bool TimedOut { get; private set; }

    /// <summary>Messages answered 250.</summary>
    public long Accepted { get; private set; }

    /// <summary>Sessions opened.</summary>
    public long Sessions { get; private set; }

    /// <summary>Accepted messages per second.</summary>
    public double MessagesPerSecond => Accepted / Elapsed.TotalSeconds;

    /// <summary>Accepted megabytes (10^6 octets) per second.</summary>
    public double MegabytesPerSecond => AcceptedOctets / 1e6 / Elapsed.TotalSeconds;

    /// <summary>Octets accepted.</summary>
    public long AcceptedOctets => Accepted * MessageOctets;

    /// <summary>
    /// Latency percentiles in milliseconds (zeros when nothing was accepted), from an HDR histogram (3 significant
    /// digits): closed loop from the last octet of the message to the final reply; open loop from the moment the
    /// message was due to its final reply (<see cref="LatencyFrom"/>).
    /// </summary>
    public LatencyPercentiles LatencyMs { get; private set; }

    /// <summary>What <see cref="LatencyMs"/> is measured from: "end-of-data" (closed loop) or "due-time" (open loop).</summary>
    public string LatencyFrom => OpenLoop is null ? "end-of-data" : "due-time";

    /// <summary>Open loop: the server's own time, last octet of the message to the final reply (null in closed loop, where it is <see cref="LatencyMs"/>).</summary>
    public LatencyPercentiles? ServiceLatencyMs { get; private set; }

    /// <summary>Open loop: what was scheduled and how much of it could not start on time (null in closed loop).</summary>
    public OpenLoopFigures? OpenLoop { get; private set; }

    /// <summary>Refusals by "stage code" with a sample reply text.</summary>
    public IReadOnlyDictionary<string, (long Count, string Text)> Refusals { get; private set; } = new Dictionary<string, (long, string)>();

    /// <summary>Errors by kind.</summary>
    public IReadOnlyDictionary<string, long> Errors { get; private set; } = new Dictionary<string, long>();

    /// <summary>When the measured run started.</summary>
    public DateTimeOffset StartedAt { get; set; }

    /// <summary>Recipients the relay delivered onward during the measured run (null when not measured).</summary>
    public long? Delivered { get; set; }

    /// <summary>From the start of the measured run until the relay's queue drained (or the drain timeout).</summary>
    public TimeSpan? DeliveryElapsed { get; set; }

    /// <summary>True when the relay's queue was empty at the end.</summary>
    public bool? Drained { get; set; }

    /// <summary>Attempts that ended deferred, bounced or expired (the relay's counters, whole run).</summary>
    public long? DeliveryFailures { get; set; }

    /// <summary>Delivered recipients per second, accept to the next hop's 250 (end to end).</summary>
    public double? DeliveredPerSecond => Delivered is { } n && DeliveryElapsed is { } t && t > TimeSpan.Zero ? n / t.TotalSeconds : null;

    /// <summary>Never-matching <c>/api/v1/wait</c> requests kept open during the measured run (null when none).</summary>
    public int? Waiters { get; set; }

    /// <summary>Of those, answers during the run (404 at their timeout; they are asked again).</summary>
    public long WaiterAnswers { get; set; }

    /// <summary>Waits that failed during the whole run.</summary>
    public long WaiterErrors { get; set; }

    /// <summary>Peak resident memory of this process (which hosts the relay with --start-relay).</summary>
    public long? PeakMemorySelf { get; set; }

    /// <summary>Peak resident memory of the process given with --pid.</summary>
    public long? PeakMemoryPid { get; set; }

    /// <summary>CPU microseconds per accepted message of this process during the measured run (the client; with --start-relay, client and relay).</summary>
    public double? CpuPerMessageSelfUs { get; set; }

    /// <summary>CPU microseconds per accepted message of the process given with --pid during the measured run (until its queue drained, when the relay delivers).</summary>
    public double? CpuPerMessagePidUs { get; set; }

    /// <summary>CPU microseconds per accepted message of each <c>--cpu</c> group, measured like <see cref="CpuPerMessagePidUs"/>.</summary>
    public IReadOnlyList<(string Name, double Us)> CpuPerMessageGroupsUs { get; set; } = [];

    /// <summary>Merges the workers' counts.</summary>
    public static LoadResult Merge(LoadOptions options, BenchMessage message, IReadOnlyList<WorkerStats> stats, LatencyHistogram latency,
        LatencyHistogram? service, OpenLoopFigures? openLoop, TimeSpan elapsed, bool timedOut)
    {
        var result = new LoadResult(options, message.Raw.Length) { Elapsed = elapsed, TimedOut = timedOut, OpenLoop = openLoop };
        var refusals = new Dictionary<string, (long Count, string Text)>();
        var errors = new Dictionary<string, long>();
        foreach (var s in stats)
        {
            result.Accepted += s.Accepted;
            result.Sessions += s.Sessions;
            foreach (var (k, v) in s.Refusals)
                refusals[k] = refusals.TryGetValue(k, out var r) ? (r.Count + v.Count, r.Text) : v;
            foreach (var (k, v) in s.Errors) errors[k] = errors.GetValueOrDefault(k) + v;
        }
        result.LatencyMs = latency.Percentiles();
        result.ServiceLatencyMs = service?.Percentiles();
        result.Refusals = refusals;
        result.Errors = errors;
        return result;
    }

    /// <summary>Open loop: messages started per second over the run (the asked rate when the server kept up).</summary>
    public double? StartedPerSecond => OpenLoop is { } o && Elapsed > TimeSpan.Zero ? o.Started / Elapsed.TotalSeconds : null;

    private static double Ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;

    /// <summary>Mode words: pipelining, bdat, tls, signed.</summary>
    public string Mode => string.Join('+', new[] { Options.Bdat ? "bdat" : "data", Options.Pipelining ? "pipelining" : null, Options.Tls ? "tls" : null, Options.Signed ? "signed" : null }.Where(w => w is not null));

    /// <summary>Human-readable report.</summary>
    public string ToText()
    {
        var c = CultureInfo.InvariantCulture;
        var sb = new StringBuilder();
        sb.AppendLine(c, $"target       {Options.Target}{(Options.StartRelay ? " (relay in-process)" : string.Empty)}  bind {Options.Bind?.ToString() ?? "-"}");
        sb.AppendLine(c, $"load         {Options.Connections} connections, {Options.Messages} messages of {MessageOctets} octets, {Mode}, {Options.PerSession} per session, limit {Options.Duration.TotalSeconds:0} s{(Options.Prefill > 0 ? $", after {Options.Prefill} prefilled" : string.Empty)}");
        sb.AppendLine(c, $"elapsed      {Elapsed.TotalSeconds:0.00} s{(TimedOut ? " (time limit reached)" : string.Empty)}, {Sessions} sessions");
        sb.AppendLine(c, $"accepted     {Accepted}  ({MessagesPerSecond:0.0} msg/s, {MegabytesPerSecond:0.00} MB/s)");
        if (OpenLoop is { } open)
        {
            sb.AppendLine(c, $"open loop    {open.Rate} msg/s asked: {open.Scheduled} scheduled, {open.Started} started ({StartedPerSecond:0.0}/s), {open.Late} could not start on time (all connections busy; longest wait {Ms(open.MaxStartDelayTicks):0.0} ms)");
            sb.AppendLine(c, $"latency ms   {Format(LatencyMs)}  (due time to final reply)");
            sb.AppendLine(c, $"service ms   {Format(ServiceLatencyMs ?? default)}  (end of data to final reply)");
        }
        else
        {
            sb.AppendLine(c, $"latency ms   {Format(LatencyMs)}  (end of data to final reply)");
        }
        sb.AppendLine(c, $"refused      {Refusals.Values.Sum(v => v.Count)}");
        foreach (var (k, v) in Refusals.OrderByDescending(p => p.Value.Count)) sb.AppendLine(c, $"  {k,-18} {v.Count,8}  {v.Text}");
        sb.AppendLine(c, $"errors       {Errors.Values.Sum()}");
        foreach (var (k, v) in Errors.OrderByDescending(p => p.Value)) sb.AppendLine(c, $"  {v,8}  {k}");
        if (Delivered is { } delivered)
            sb.AppendLine(c, $"delivered    {delivered}  ({DeliveredPerSecond:0.0} msg/s end to end, {DeliveryElapsed?.TotalSeconds:0.00} s to {(Drained == true ? "an empty queue" : "the drain timeout: NOT drained")}; {DeliveryFailures} failed attempts)");
        if (Waiters is { } waiters) sb.AppendLine(c, $"waiters      {waiters} open /api/v1/wait requests (never matching): {WaiterAnswers} answered during the run, {WaiterErrors} errors");
        if (PeakMemorySelf is { } self) sb.AppendLine(c, $"peak memory  {self / 1048576.0:0.0} MiB (this process{(Options.StartRelay ? ", relay included" : string.Empty)})");
        if (PeakMemoryPid is { } pid) sb.AppendLine(c, $"peak memory  {pid / 1048576.0:0.0} MiB (pid {Options.RelayPid})");
        if (CpuPerMessageSelfUs is { } cpuSelf) sb.AppendLine(c, $"cpu/message  {cpuSelf:0} us (this process{(Options.StartRelay ? ", relay included" : string.Empty)})");
        if (CpuPerMessagePidUs is { } cpuPid) sb.AppendLine(c, $"cpu/message  {cpuPid:0} us (pid {Options.RelayPid})");
        foreach (var (name, us) in CpuPerMessageGroupsUs) sb.AppendLine(c, $"cpu/message  {us:0} us ({name})");
        return sb.ToString();
    }

    private static string Format(LatencyPercentiles p) => string.Create(CultureInfo.InvariantCulture,
        $"p50 {p.P50:0.00}  p90 {p.P90:0.00}  p99 {p.P99:0.00}  p99.9 {p.P999:0.00}  max {p.Max:0.00}");

    private static void WritePercentiles(Utf8JsonWriter w, string name, LatencyPercentiles p)
    {
        w.WriteStartObject(name);
        w.WriteNumber("p50", Math.Round(p.P50, 3));
        w.WriteNumber("p90", Math.Round(p.P90, 3));
        w.WriteNumber("p99", Math.Round(p.P99, 3));
        w.WriteNumber("p999", Math.Round(p.P999, 3));
        w.WriteNumber("max", Math.Round(p.Max, 3));
        w.WriteNumber("count", p.Count);
        w.WriteEndObject();
    }

    /// <summary>The report as one JSON object.</summary>
    public string ToJson()
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteString("label", Options.Label);
            w.WriteString("target", Options.Target.ToString());
            w.WriteBoolean("startRelay", Options.StartRelay);
            w.WriteString("bind", Options.Bind?.ToString());
            w.WriteNumber("connections", Options.Connections);
            w.WriteNumber("messages", Options.Messages);
            w.WriteNumber("messageOctets", MessageOctets);
            w.WriteString("mode", Mode);
            w.WriteNumber("perSession", Options.PerSession);
            w.WriteNumber("prefill", Options.Prefill);
            w.WriteNumber("durationLimitSeconds", Options.Duration.TotalSeconds);
            w.WriteNumber("elapsedSeconds", Math.Round(Elapsed.TotalSeconds, 3));
            w.WriteBoolean("timedOut", TimedOut);
            w.WriteNumber("sessions", Sessions);
            w.WriteNumber("accepted", Accepted);
            w.WriteNumber("messagesPerSecond", Math.Round(MessagesPerSecond, 1));
            w.WriteNumber("megabytesPerSecond", Math.Round(MegabytesPerSecond, 3));
            WritePercentiles(w, "latencyMs", LatencyMs);
            w.WriteString("latencyFrom", LatencyFrom);
            if (OpenLoop is { } open)
            {
                WritePercentiles(w, "serviceLatencyMs", ServiceLatencyMs ?? default);
                w.WriteStartObject("openLoop");
                w.WriteNumber("rate", open.Rate);
                w.WriteNumber("scheduled", open.Scheduled);
                w.WriteNumber("started", open.Started);
                w.WriteNumber("startedPerSecond", Math.Round(StartedPerSecond ?? 0, 2));
                w.WriteNumber("late", open.Late);
                w.WriteNumber("maxStartDelayMs", Math.Round(Ms(open.MaxStartDelayTicks), 3));
                w.WriteEndObject();
            }
            w.WriteNumber("refused", Refusals.Values.Sum(v => v.Count));
            w.WriteStartArray("refusals");
            foreach (var (k, v) in Refusals)
            {
                var parts = k.Split(' ');
                w.WriteStartObject();
                w.WriteString("stage", parts[0]);
                w.WriteNumber("code", int.Parse(parts[1], CultureInfo.InvariantCulture));
                w.WriteNumber("count", v.Count);
                w.WriteString("text", v.Text);
                w.WriteEndObject();
            }
            w.WriteEndArray();
            w.WriteNumber("errors", Errors.Values.Sum());
            w.WriteStartObject("errorKinds");
            foreach (var (k, v) in Errors) w.WriteNumber(k, v);
            w.WriteEndObject();
            w.WriteNumber("startedAtUnixMs", StartedAt.ToUnixTimeMilliseconds());
            if (Delivered is { } delivered)
            {
                w.WriteNumber("delivered", delivered);
                w.WriteNumber("deliveredPerSecond", Math.Round(DeliveredPerSecond ?? 0, 1));
                w.WriteNumber("deliveryElapsedSeconds", Math.Round(DeliveryElapsed?.TotalSeconds ?? 0, 3));
                w.WriteBoolean("drained", Drained == true);
                w.WriteNumber("deliveryFailures", DeliveryFailures ?? 0);
            }
            if (Waiters is { } waiters)
            {
                w.WriteNumber("waiters", waiters);
                w.WriteNumber("waiterAnswers", WaiterAnswers);
                w.WriteNumber("waiterErrors", WaiterErrors);
            }
            if (PeakMemorySelf is { } self) w.WriteNumber("peakMemorySelfBytes", self); else w.WriteNull("peakMemorySelfBytes");
            if (PeakMemoryPid is { } pid) w.WriteNumber("peakMemoryPidBytes", pid); else w.WriteNull("peakMemoryPidBytes");
            if (CpuPerMessageSelfUs is { } cpuSelf) w.WriteNumber("cpuPerMessageSelfUs", Math.Round(cpuSelf, 1)); else w.WriteNull("cpuPerMessageSelfUs");
            if (CpuPerMessagePidUs is { } cpuPid) w.WriteNumber("cpuPerMessagePidUs", Math.Round(cpuPid, 1)); else w.WriteNull("cpuPerMessagePidUs");
            if (CpuPerMessageGroupsUs.Count > 0)
            {
                w.WriteStartObject("cpuPerMessageUs");
                foreach (var (name, us) in CpuPerMessageGroupsUs) w.WriteNumber(name, Math.Round(us, 1));
                w.WriteEndObject();
            }
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }
}
