using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SmarthostLab.Relay.Admission;
using SmarthostLab.Relay.Configuration;
using SmarthostLab.Relay.Diagnostics;
using SmarthostLab.Relay.Storage;
using SmarthostLab.Smtp.Protocol;
using SmarthostLab.Verification;

namespace SmarthostLab.Relay.Limits;

/// <summary>
/// Greylisting (issue 14) as postgrey and Postfix users know it: the first RCPT of a (client network, sender, recipient)
/// triplet gets 451 4.7.1 naming the delay; a retry after <see cref="GreylistingOptions.Delay"/> and within
/// <see cref="GreylistingOptions.Window"/> passes, and from then on the triplet passes until it has not been seen for
/// <see cref="GreylistingOptions.Lifetime"/>. Decisions are made in memory (no store read on the SMTP path); every change
/// is written through the store's batch writer and loaded again at start, so a restart forgets nothing committed.
/// </summary>
public sealed class Greylist
{
    /// <summary>A remembered triplet's last-seen time is written again only after this long (Lifetime is counted in days).</summary>
    private static readonly TimeSpan LastSeenResolution = TimeSpan.FromHours(1);

    /// <summary>How often forgotten triplets are swept out (on the next decision after it).</summary>
    private static readonly TimeSpan SweepInterval = TimeSpan.FromMinutes(10);

    private readonly GreylistingOptions _options;
    private readonly IMessageStore _store;
    private readonly TimeProvider _time;
    private readonly RelayMetrics _metrics;
    private readonly ILogger<Greylist> _logger;
    private readonly Dictionary<(string Network, string Sender, string Recipient), Entry> _entries = [];
    private readonly Lock _lock = new();
    private DateTimeOffset _nextSweep;

    /// <summary>Creates the greylist; <see cref="LoadAsync"/> fills it from the store at start.</summary>
    public Greylist(IOptions<GreylistingOptions> options, IMessageStore store, TimeProvider time, RelayMetrics metrics, ILogger<Greylist> logger)
    {
        _options = options.Value;
        _store = store;
        _time = time;
        _metrics = metrics;
        _logger = logger;
    }

    /// <summary>Triplets remembered now.</summary>
    public int Count
    {
        get
        {
            lock (_lock) return _entries.Count;
        }
    }

    /// <summary>True when <paramref name="account"/>'s mail is greylisted (its own setting, else <c>Greylisting:Enabled</c>).</summary>
    public bool AppliesTo(Account account) => account.Options.Greylisting ?? _options.Enabled;

    /// <summary>Loads the stored triplets (called once at start, after the store opens).</summary>
    public async Task LoadAsync(CancellationToken cancellationToken)
    {
        var stored = await _store.GetGreylistAsync(cancellationToken).ConfigureAwait(false);
        lock (_lock)
        {
            _entries.Clear();
            foreach (var e in stored) _entries[(e.Network, e.Sender, e.Recipient)] = new Entry(e.FirstSeen, e.LastSeen, e.Passed) { StoredLastSeen = e.LastSeen };
            _nextSweep = DateTimeOffset.MinValue;
        }
        if (stored.Count > 0) LimitsLog.GreylistLoaded(_logger, stored.Count);
    }

    /// <summary>
    /// The decision for one recipient: null when it passes, else the 451 4.7.1 to send. <paramref name="outcome"/> says why
    /// (greylisted, passed, known) for the log and metrics.
    /// </summary>
    public SmtpReply? Check(IPAddress client, string sender, string recipient, out string outcome)
    {
        var now = _time.GetUtcNow();
        var network = IpPrefix.NetworkOf(client, _options.IPv4PrefixLength, _options.IPv6PrefixLength).ToString();
        var key = (network, sender.ToLowerInvariant(), recipient.ToLowerInvariant());
        GreylistEntry? save = null;
        List<GreylistEntry>? removed = null;
        SmtpReply? reply;
        lock (_lock)
        {
            if (now >= _nextSweep || _entries.Count >= _options.MaxEntries) removed = Sweep(now);
            if (!_entries.TryGetValue(key, out var entry) || Forgotten(entry, now))
            {
                entry = _entries[key] = new Entry(now, now, false);
                save = entry.ToStored(key);
                reply = Greylisted(_options.Delay);
                outcome = "greylisted";
            }
            else if (!entry.Passed && now - entry.FirstSeen < _options.Delay)
            {
                reply = Greylisted(_options.Delay - (now - entry.FirstSeen));
                outcome = "greylisted";
            }
            else
            {
                outcome = entry.Passed ? "known" : "passed";
                entry.Passed = true;
                entry.LastSeen = now;
                if (outcome == "passed" || now - entry.StoredLastSeen >= LastSeenResolution) save = entry.ToStored(key);
                reply = null;
            }
            if (save is not null) entry.StoredLastSeen = now;
        }
        if (save is not null || removed is not null) _store.SaveGreylist(save is null ? [] : [save], removed ?? (IReadOnlyList<GreylistEntry>)[]);
        _metrics.Greylisting(outcome);
        if (outcome == "passed") LimitsLog.Greylisted(_logger, outcome, network, key.Item2, key.Item3);
        return reply;
    }

    private static SmtpReply Greylisted(TimeSpan wait) =>
        new(451, "4.7.1", $"greylisted: this sender, recipient and client network are new here, please try again in {Math.Max(1, (long)Math.Ceiling(wait.TotalSeconds))} s");

    /// <summary>A triplet that no longer counts: it never passed and its window closed, or it passed and has not been seen for the lifetime.</summary>
    private bool Forgotten(Entry entry, DateTimeOffset now) =>
        entry.Passed ? now - entry.LastSeen > _options.Lifetime : now - entry.FirstSeen > _options.Window;

    /// <summary>Drops forgotten triplets, then, past MaxEntries, the oldest that have not passed (under the lock).</summary>
    private List<GreylistEntry>? Sweep(DateTimeOffset now)
    {
        _nextSweep = now + SweepInterval;
        List<GreylistEntry>? removed = null;
        foreach (var (key, entry) in _entries)
        {
            if (Forgotten(entry, now)) (removed ??= []).Add(entry.ToStored(key));
        }
        if (_entries.Count - (removed?.Count ?? 0) >= _options.MaxEntries)
        {
            var excess = _entries.Count - (removed?.Count ?? 0) - _options.MaxEntries + 1;
            removed ??= [];
            removed.AddRange(_entries.Where(e => !e.Value.Passed && !Forgotten(e.Value, now)).OrderBy(e => e.Value.FirstSeen).Take(excess).Select(e => e.Value.ToStored(e.Key)));
        }
        if (removed is null) return null;
        foreach (var e in removed) _entries.Remove((e.Network, e.Sender, e.Recipient));
        return removed;
    }

    private sealed class Entry(DateTimeOffset firstSeen, DateTimeOffset lastSeen, bool passed)
    {
        public DateTimeOffset FirstSeen { get; } = firstSeen;
        public DateTimeOffset LastSeen { get; set; } = lastSeen;
        public bool Passed { get; set; } = passed;
        public DateTimeOffset StoredLastSeen { get; set; }

        public GreylistEntry ToStored((string Network, string Sender, string Recipient) key) =>
            new(key.Network, key.Sender, key.Recipient, FirstSeen, LastSeen, Passed);
    }
}
