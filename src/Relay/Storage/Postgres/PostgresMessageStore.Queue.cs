using System.Data.Common;
using Npgsql;

namespace SmarthostLab.Relay.Storage.Postgres;

/// <summary>
/// The outbound queue shared by several relays (issue 18). A queue row belongs to one relay (deliveries.claimed_by):
/// the one that stored it, or took it. A relay refreshes its heartbeat (nodes) every Store:HeartbeatInterval; one
/// whose heartbeat is older than Store:NodeTimeout is gone. An attempt's claim succeeds only on a row still to deliver
/// that is unowned, this relay's, or a gone relay's (and makes it this relay's); outcomes are recorded only by the
/// owner. Every Store:QueueSweepInterval the relay takes due rows no live relay owns (<c>FOR UPDATE SKIP LOCKED</c>, so
/// two sweeping relays never take the same row) and queues them: mail stored by a relay that was killed is delivered
/// by a survivor. A relay that stops cleanly gives its rows up at once.
/// </summary>
public sealed partial class PostgresMessageStore
{
    /// <summary>Rows one sweep takes at most.</summary>
    internal const int SweepLimit = 500;

    private ITimer? _heartbeatTimer;
    private ITimer? _sweepTimer;
    private bool _outboundLoaded; // the queue has loaded its rows (LoadOutboundAsync): sweeps may add more; writer thread only

    private protected override bool SharedQueue => true;

    private protected override string ClaimOwner => ", claimed_by = @node";

    private protected override string ClaimCondition => $" AND state IN ('queued', 'deferred') AND (claimed_by IS NULL OR claimed_by = @node OR {OwnerGone})";

    private protected override string OwnerCondition => " AND (claimed_by IS NULL OR claimed_by = @node)";

    /// <summary>The row's owner (d.claimed_by / deliveries.claimed_by) has no heartbeat within the node timeout.</summary>
    private const string OwnerGone =
        "NOT EXISTS (SELECT 1 FROM nodes n WHERE n.node = deliveries.claimed_by AND n.heartbeat > now() - @timeout::double precision * interval '1 millisecond')";

    private protected override void AddOwnerParameters(DbCommand command)
    {
        command.Add("@node", NodeId);
        if (command.CommandText.Contains("@timeout", StringComparison.Ordinal)) command.Add("@timeout", _options.NodeTimeout.TotalMilliseconds);
    }

    /// <summary>Starts the heartbeat and the sweep once the writer runs.</summary>
    private protected override void Opened()
    {
        _heartbeatTimer = _time.CreateTimer(_ => Enqueue(new StoreWrite(StoreWriteKind.Flush, (connection, transaction, _) => Heartbeat(connection, transaction))),
            null, _options.HeartbeatInterval, _options.HeartbeatInterval);
        _sweepTimer = _time.CreateTimer(_ => Sweep(), null, _options.QueueSweepInterval, _options.QueueSweepInterval);
        StoreLog.Node(_logger, NodeId, Location, _options.HeartbeatInterval, _options.QueueSweepInterval);
    }

    private void Heartbeat(DbConnection connection, DbTransaction? transaction) =>
        Execute(connection, """
            INSERT INTO nodes (node, heartbeat, started_at) VALUES (@node, now(), now())
            ON CONFLICT (node) DO UPDATE SET heartbeat = now()
            """, transaction, ("@node", NodeId));

    /// <summary>
    /// At start, instead of reading every pending row (most are other relays'): takes the rows that are unowned, this
    /// relay's (a fixed Store:NodeId restarted) or a gone relay's, whether due or not.
    /// </summary>
    public override async Task<IReadOnlyList<OutboundJob>> LoadOutboundAsync(CancellationToken cancellationToken = default)
    {
        IReadOnlyList<OutboundJob> jobs = [];
        await EnqueueAndWait(new StoreWrite(StoreWriteKind.Flush, (connection, transaction, _) =>
        {
            jobs = Take(connection, transaction, includeOwn: true, due: null, limit: null);
            _outboundLoaded = true;
        }), cancellationToken).ConfigureAwait(false);
        return jobs;
    }

    /// <summary>Queues a sweep: due rows no live relay owns, handed to the delivery queue after the commit.</summary>
    private void Sweep()
    {
        if (OutboundQueued is null) return;
        Enqueue(new StoreWrite(StoreWriteKind.Flush, (connection, transaction, self) =>
        {
            if (!_outboundLoaded || OutboundQueued is null) return;
            var jobs = Take(connection, transaction, includeOwn: false, due: _time.GetUtcNow(), limit: SweepLimit);
            self.Outbound = jobs;
            if (jobs.Count > 0) StoreLog.Swept(_logger, jobs.Sum(j => j.Recipients.Count));
        }));
    }

    /// <summary>
    /// Claims pending rows for this relay inside the writer's transaction and reads them as jobs: unowned or a gone
    /// relay's rows (and this relay's own when <paramref name="includeOwn"/>), due by <paramref name="due"/> when given,
    /// at most <paramref name="limit"/>. Rows another transaction holds are skipped, not waited for.
    /// </summary>
    private List<OutboundJob> Take(DbConnection connection, DbTransaction transaction, bool includeOwn, DateTimeOffset? due, int? limit)
    {
        var picked = new HashSet<(long Seq, int Rcpt)>();
        using (var claim = connection.CreateCommand())
        {
            claim.Transaction = transaction;
            claim.CommandText = $"""
                WITH picked AS (
                    SELECT seq, rcpt FROM deliveries
                    WHERE state IN ('queued', 'deferred'){(due is null ? "" : " AND next_attempt <= @due")}
                      AND (claimed_by IS NULL OR {(includeOwn ? "claimed_by = @node" : "claimed_by <> @node AND")} {(includeOwn ? "OR " : "")}{OwnerGone})
                    ORDER BY next_attempt, seq, rcpt
                    LIMIT @limit
                    FOR UPDATE SKIP LOCKED)
                UPDATE deliveries d SET claimed_by = @node FROM picked p WHERE d.seq = p.seq AND d.rcpt = p.rcpt
                RETURNING d.seq, d.rcpt
                """;
            claim.Add("@node", NodeId);
            claim.Add("@timeout", _options.NodeTimeout.TotalMilliseconds);
            claim.Add("@limit", limit is { } n ? (long)n : null);
            if (due is { } at) claim.Add("@due", at.ToUnixTimeMilliseconds());
            using var reader = claim.ExecuteReader();
            while (reader.Read()) picked.Add((reader.GetInt64(0), (int)reader.GetInt64(1)));
        }
        if (picked.Count == 0) return [];
        using var select = connection.CreateCommand();
        select.Transaction = transaction;
        select.CommandText = OutboundSql("d.seq = ANY(@seqs) AND d.state IN ('queued', 'deferred')");
        ((NpgsqlCommand)select).Parameters.Add(new NpgsqlParameter<long[]>("seqs", [.. picked.Select(p => p.Seq).Distinct()]));
        using (var rows = select.ExecuteReader()) return ReadJobs(rows, picked);
    }

    /// <summary>A clean stop gives this relay's pending rows up (the others' next sweep takes them) and leaves the nodes table.</summary>
    private protected override void Closing(DbConnection writer)
    {
        if (writer.State != System.Data.ConnectionState.Open) return;
        Execute(writer, "UPDATE deliveries SET claimed_by = NULL WHERE claimed_by = @node AND state IN ('queued', 'deferred')", null, ("@node", NodeId));
        Execute(writer, "DELETE FROM nodes WHERE node = @node", null, ("@node", NodeId));
    }

    private async ValueTask StopTimersAsync()
    {
        if (_heartbeatTimer is not null) await _heartbeatTimer.DisposeAsync().ConfigureAwait(false);
        if (_sweepTimer is not null) await _sweepTimer.DisposeAsync().ConfigureAwait(false);
    }
}
