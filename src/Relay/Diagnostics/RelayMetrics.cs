using System.Diagnostics.Metrics;
using SmarthostLab.Relay.Storage;
using SmarthostLab.Verification;

namespace SmarthostLab.Relay.Diagnostics;

/// <summary>The relay's own instruments, on the meter <c>SmarthostLab.Relay</c>.</summary>
public sealed class RelayMetrics
{
    /// <summary>Meter name.</summary>
    public const string MeterName = "SmarthostLab.Relay";

    private readonly Counter<long> _messagesStored;
    private readonly Counter<long> _bytesStored;
    private readonly Counter<long> _refusals;
    private readonly Counter<long> _storeFailures;
    private readonly Histogram<double> _commitDuration;
    private readonly Histogram<long> _batchSize;
    private readonly UpDownCounter<long> _waits;
    private readonly Counter<long> _tokenQueries;
    private readonly Counter<long> _limitsExceeded;
    private readonly Counter<long> _greylisting;
    private readonly Counter<long> _verdicts;

    /// <summary>Creates the instruments on a meter of <paramref name="meterFactory"/>.</summary>
    public RelayMetrics(IMeterFactory meterFactory)
    {
        var meter = meterFactory.Create(MeterName);
        _messagesStored = meter.CreateCounter<long>("smarthostlab.relay.messages.stored", "{message}", "Messages committed to the store");
        // "{byte}", not "By": the Prometheus exporter would append "_bytes" and the series has been smarthostlab_relay_bytes_stored_total.
        _bytesStored = meter.CreateCounter<long>("smarthostlab.relay.bytes.stored", "{byte}", "Octets of message data committed to the store");
        _refusals = meter.CreateCounter<long>("smarthostlab.relay.refusals", "{refusal}", "Refusals recorded, by stage and reason");
        _storeFailures = meter.CreateCounter<long>("smarthostlab.relay.store.failures", "{write}", "Store writes that failed");
        _commitDuration = meter.CreateHistogram<double>("smarthostlab.relay.store.commit.duration", "s", "Duration of one store transaction (batch) including fsync",
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5] });
        _batchSize = meter.CreateHistogram<long>("smarthostlab.relay.store.batch.size", "{write}", "Writes committed in one transaction",
            advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512] });
        _waits = meter.CreateUpDownCounter<long>("smarthostlab.relay.waits.active", "{request}", "Open GET /api/v1/wait requests");
        _tokenQueries = meter.CreateCounter<long>("smarthostlab.relay.token.queries", "{query}",
            "Token searches over the stored messages (listings, a wait's first look), by plan: the token index or a scan of every row");
        _limitsExceeded = meter.CreateCounter<long>("smarthostlab.relay.limits.exceeded", "{request}",
            "Connections, commands and messages refused by a rate limit, by limit and scope (account, ip)");
        _verdicts = meter.CreateCounter<long>("smarthostlab.relay.verdicts", "{message}",
            "Verdicts of verified messages, by check (spf, dkim, dmarc, action) and result (pass, fail, none, …; for dkim the best signature's)");
        _greylisting = meter.CreateCounter<long>("smarthostlab.relay.greylisting", "{recipient}",
            "Greylisting decisions, by outcome: greylisted (first attempt or too early), passed (a retry in the window), known (a remembered triplet)");
    }

    /// <summary>A message was committed.</summary>
    public void MessageStored(long bytes)
    {
        _messagesStored.Add(1);
        _bytesStored.Add(bytes);
    }

    /// <summary>A refusal was recorded.</summary>
    public void Refused(string stage, string reason) =>
        _refusals.Add(1, new KeyValuePair<string, object?>("stage", stage), new KeyValuePair<string, object?>("reason", reason));

    /// <summary>A write failed.</summary>
    public void StoreFailed() => _storeFailures.Add(1);

    /// <summary>A wait request started waiting.</summary>
    public void WaitOpened() => _waits.Add(1);

    /// <summary>A wait request ended.</summary>
    public void WaitClosed() => _waits.Add(-1);

    /// <summary>A token search ran, through the token index (<paramref name="indexed"/>) or as a scan of every row.</summary>
    public void TokenQuery(bool indexed) => _tokenQueries.Add(1, new KeyValuePair<string, object?>("plan", indexed ? "index" : "scan"));

    /// <summary>A rate limit refused something.</summary>
    public void LimitExceeded(string limit, string scope) =>
        _limitsExceeded.Add(1, new KeyValuePair<string, object?>("limit", limit), new KeyValuePair<string, object?>("scope", scope));

    /// <summary>A message was verified: one count per check, under its result.</summary>
    public void Verified(Verdict verdict)
    {
        Count("spf", VerdictJson.Word(verdict.Spf.Result));
        Count("dkim", VerdictJson.DkimWord(verdict));
        Count("dmarc", VerdictJson.Word(verdict.Dmarc.Result));
        Count("action", VerdictJson.Word(verdict.Action));

        void Count(string check, string result) =>
            _verdicts.Add(1, new KeyValuePair<string, object?>("check", check), new KeyValuePair<string, object?>("result", result));
    }

    /// <summary>A greylisting decision.</summary>
    public void Greylisting(string outcome) => _greylisting.Add(1, new KeyValuePair<string, object?>("outcome", outcome));

    /// <summary>A batch was committed.</summary>
    public void BatchCommitted(int size, TimeSpan duration)
    {
        _commitDuration.Record(duration.TotalSeconds);
        _batchSize.Record(size);
    }
}
