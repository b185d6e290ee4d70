using System.Text;
using Microsoft.Data.Sqlite;

namespace SmarthostLab.Relay.Storage;

/// <summary>The outbound queue's rows (issue 13): written by the single writer, read on pooled read connections.</summary>
public sealed partial class SqliteMessageStore
{
    private const string DeliveryColumns = "d.recipient, d.state, d.destination, d.attempts, d.last_attempt, d.next_attempt, d.remote_host, d.remote_address, d.last_reply";

    /// <inheritdoc />
    public Action<IReadOnlyList<OutboundJob>>? OutboundQueued { get; set; }

    /// <inheritdoc />
    public Task RecordDeliveryAsync(IReadOnlyList<DeliveryUpdate> updates, IReadOnlyList<NewMessage> reports, CancellationToken cancellationToken = default)
    {
        var signatures = reports.Select(r => _tokens.Wanted ? Signature(r) : null).ToArray();
        var write = new StoreWrite(StoreWriteKind.Delivery, (connection, transaction, self) =>
        {
            if (updates.Count > 0) ApplyUpdates(connection, transaction, updates);
            for (var i = 0; i < reports.Count; i++) Indexed((_messageInsert ??= new MessageInsert(connection)).Insert(connection, reports[i]), reports[i], signatures[i]);
            self.RowsChanged = reports.Count;
        }, reports.Sum(r => r.RawLength))
        {
            Outbound = [.. reports.SelectMany(r => r.Outbound)],
            Messages = [.. reports.Select((report, i) => new CommittedMessage(report, signatures[i]))],
            DeliveryChanged = [.. updates.Where(u => !u.Claim).Select(u => u.Seq)], // a claim changes no state
        };
        return EnqueueAndWait(write, cancellationToken);
    }

    /// <inheritdoc />
    public async Task<QueueResult> QueueMessageAsync(string id, IReadOnlyList<OutboundJob> jobs, CancellationToken cancellationToken = default)
    {
        var result = QueueResult.NotFound;
        var write = new StoreWrite(StoreWriteKind.Delivery, (connection, transaction, self) =>
        {
            using var find = connection.CreateCommand();
            find.Transaction = transaction;
            find.CommandText = "SELECT seq, EXISTS (SELECT 1 FROM deliveries d WHERE d.seq = m.seq AND d.state IN ('queued', 'deferred')) FROM messages m WHERE id = $id";
            find.Parameters.AddWithValue("$id", id);
            using (var reader = find.ExecuteReader())
            {
                if (!reader.Read()) return;
                if (reader.GetInt64(1) != 0)
                {
                    result = QueueResult.AlreadyQueued;
                    return;
                }
                var seq = reader.GetInt64(0);
                reader.Close();
                // Released again after it was delivered or bounced: the earlier rows give way to the new route.
                Execute(connection, "DELETE FROM deliveries WHERE seq = $s", transaction, ("$s", seq));
                var insert = _messageInsert ??= new MessageInsert(connection);
                foreach (var job in jobs) insert.InsertDeliveries(seq, job);
                self.DeliveryChanged = [seq];
            }
            result = QueueResult.Queued;
        });
        await EnqueueAndWait(write, cancellationToken).ConfigureAwait(false);
        // Handed to the queue only when the rows were written.
        if (result == QueueResult.Queued) OutboundCommitted(jobs);
        return result;
    }

    /// <inheritdoc />
    public Task RerouteAsync(IReadOnlyList<(long Seq, int Rcpt, string Destination)> changes, CancellationToken cancellationToken = default) =>
        EnqueueAndWait(new StoreWrite(StoreWriteKind.Flush, (connection, transaction, _) =>
        {
            using var update = connection.CreateCommand();
            update.Transaction = transaction;
            update.CommandText = "UPDATE deliveries SET destination = $d WHERE seq = $s AND rcpt = $r";
            var (d, s, r) = (update.Parameters.Add("$d", SqliteType.Text), update.Parameters.Add("$s", SqliteType.Integer), update.Parameters.Add("$r", SqliteType.Integer));
            foreach (var change in changes)
            {
                (d.Value, s.Value, r.Value) = (change.Destination, change.Seq, change.Rcpt);
                update.ExecuteNonQuery();
            }
        }), cancellationToken);

    /// <inheritdoc />
    public Task RescheduleDeferredAsync(DateTimeOffset now, CancellationToken cancellationToken = default) =>
        EnqueueAndWait(new StoreWrite(StoreWriteKind.Flush, (connection, transaction, _) =>
            Execute(connection, "UPDATE deliveries SET next_attempt = $n WHERE state = 'deferred'", transaction, ("$n", now.ToUnixTimeMilliseconds()))), cancellationToken);

    /// <inheritdoc />
    public async Task<IReadOnlyList<OutboundJob>> LoadOutboundAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = """
            SELECT d.seq, d.rcpt, d.recipient, d.destination, d.attempts, d.next_attempt, d.inflight,
                   m.id, m.account, m.mail_from, m.mail_from_parameters, m.received_at, m.recipient_parameters, m.dsn_of, d.pinned
            FROM deliveries d JOIN messages m ON m.seq = d.seq
            WHERE d.state IN ('queued', 'deferred')
            ORDER BY d.seq, d.destination, d.rcpt
            """;
        var jobs = new List<OutboundJob>();
        OutboundJob? job = null;
        string[] parameters = [];
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var seq = reader.GetInt64(0);
            var destination = reader.GetString(3);
            var pinned = reader.GetInt64(14) != 0;
            if (job is null || job.Seq != seq || job.Destination != destination || job.Pinned != pinned)
            {
                job = new OutboundJob
                {
                    Seq = seq,
                    MessageId = reader.GetString(7),
                    Account = NullableString(reader, 8),
                    MailFrom = reader.GetString(9),
                    MailFromParameters = reader.GetString(10),
                    ReceivedAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(11)),
                    Destination = destination,
                    Recipients = [],
                    IsDsn = !reader.IsDBNull(13),
                    Pinned = pinned,
                };
                parameters = NullableString(reader, 12)?.Split('\n') ?? [];
                jobs.Add(job);
            }
            var index = reader.GetInt32(1);
            job.Recipients.Add(new OutboundRecipientEntry
            {
                Index = index,
                Address = reader.GetString(2),
                Parameters = index < parameters.Length && parameters[index].Length > 0 ? parameters[index] : null,
                Attempts = reader.GetInt32(4),
                NextAttempt = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)),
                RepeatPossible = reader.GetInt64(6) != 0,
            });
        }
        return jobs;
    }

    /// <inheritdoc />
    public async Task<QueueSummary> GetQueueSummaryAsync(int limit, CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReaderAsync(cancellationToken).ConfigureAwait(false);
        var counts = new Dictionary<string, long>
        {
            [DeliveryStates.Queued] = 0, [DeliveryStates.Deferred] = 0, [DeliveryStates.Delivered] = 0,
            [DeliveryStates.Bounced] = 0, [DeliveryStates.Expired] = 0,
        };
        await using (var count = connection.CreateCommand())
        {
            count.CommandText = "SELECT state, COUNT(*) FROM deliveries GROUP BY state";
            await using var reader = await count.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) counts[reader.GetString(0)] = reader.GetInt64(1);
        }
        var deferred = new List<DeferredEntry>();
        await using (var list = connection.CreateCommand())
        {
            list.CommandText = $"""
                SELECT m.id, {DeliveryColumns} FROM deliveries d JOIN messages m ON m.seq = d.seq
                WHERE d.state = 'deferred' ORDER BY d.next_attempt, d.seq, d.rcpt LIMIT $limit
                """;
            list.Parameters.AddWithValue("$limit", limit);
            await using var reader = await list.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) deferred.Add(new DeferredEntry(reader.GetString(0), ReadDelivery(reader, 1)));
        }
        return new QueueSummary(counts, deferred);
    }

    /// <inheritdoc />
    public IMessageContentReader OpenContentReader()
    {
        if (!_open) throw new InvalidOperationException("The store is not open.");
        return new ContentReader(_readConnectionString);
    }

    /// <summary>One read-only connection and one prepared SELECT by rowid, reused for every message a delivery connection sends.</summary>
    private sealed class ContentReader : IMessageContentReader
    {
        private readonly SqliteConnection _connection;
        private readonly SqliteCommand _select;
        private readonly SqliteParameter _seq;

        public ContentReader(string connectionString)
        {
            _connection = new SqliteConnection(connectionString);
            _connection.Open();
            _select = _connection.CreateCommand();
            _select.CommandText = "SELECT raw FROM message_content WHERE seq = $seq";
            _seq = _select.Parameters.Add("$seq", SqliteType.Integer);
            _seq.Value = 0L;
            _select.Prepare();
        }

        public byte[]? Read(long seq)
        {
            _seq.Value = seq;
            return _select.ExecuteScalar() as byte[];
        }

        public void Dispose()
        {
            _select.Dispose();
            _connection.Dispose();
        }
    }

    /// <summary>Hands committed queue entries to the delivery queue; a failing listener is logged, never the writer's problem.</summary>
    private void OutboundCommitted(IReadOnlyList<OutboundJob> jobs)
    {
        try
        {
            OutboundQueued?.Invoke(jobs);
        }
        catch (Exception exception) when (exception is not OutOfMemoryException)
        {
            StoreLog.OutboundListenerFailed(_logger, exception);
        }
    }

    private DeliveryUpdates? _deliveryUpdates; // the writer's prepared statements, used by the writer thread only

    private void ApplyUpdates(SqliteConnection connection, SqliteTransaction transaction, IReadOnlyList<DeliveryUpdate> updates) =>
        (_deliveryUpdates ??= new DeliveryUpdates(connection)).Apply(transaction, updates);

    /// <summary>The claim and outcome UPDATEs, prepared once on the writer's connection (the writer is the relay's serial step).</summary>
    private sealed class DeliveryUpdates : IDisposable
    {
        private readonly SqliteCommand _claim;
        private readonly SqliteParameter _claimSeq, _claimRcpt;
        private readonly SqliteCommand _outcome;
        private readonly SqliteParameter _state, _attempts, _last, _next, _host, _address, _reply, _seq, _rcpt, _inflight;

        public DeliveryUpdates(SqliteConnection connection)
        {
            _claim = connection.CreateCommand();
            _claim.CommandText = "UPDATE deliveries SET inflight = 1 WHERE seq = $s AND rcpt = $r";
            _claimSeq = _claim.Parameters.Add("$s", SqliteType.Integer);
            _claimRcpt = _claim.Parameters.Add("$r", SqliteType.Integer);
            _outcome = connection.CreateCommand();
            _outcome.CommandText = """
                UPDATE deliveries SET state = $state, attempts = $attempts, last_attempt = $last, next_attempt = $next,
                    remote_host = $host, remote_address = $address, last_reply = $reply, inflight = $inflight,
                    finished_at = CASE WHEN $state IN ('delivered', 'bounced', 'expired') THEN $last ELSE NULL END
                WHERE seq = $s AND rcpt = $r
                """;
            var p = _outcome.Parameters;
            (_state, _attempts, _last, _next, _host, _address, _reply, _seq, _rcpt) = (
                p.Add("$state", SqliteType.Text), p.Add("$attempts", SqliteType.Integer), p.Add("$last", SqliteType.Integer),
                p.Add("$next", SqliteType.Integer), p.Add("$host", SqliteType.Text), p.Add("$address", SqliteType.Text),
                p.Add("$reply", SqliteType.Text), p.Add("$s", SqliteType.Integer), p.Add("$r", SqliteType.Integer));
            _inflight = p.Add("$inflight", SqliteType.Integer);
        }

        public void Apply(SqliteTransaction transaction, IReadOnlyList<DeliveryUpdate> updates)
        {
            _claim.Transaction = transaction;
            _outcome.Transaction = transaction;
            foreach (var u in updates)
            {
                if (u.Claim)
                {
                    _claimSeq.Value = u.Seq;
                    _claimRcpt.Value = u.Rcpt;
                    _claim.ExecuteNonQuery();
                    continue;
                }
                _state.Value = u.State;
                _attempts.Value = u.Attempts;
                _last.Value = u.LastAttempt.ToUnixTimeMilliseconds();
                _next.Value = u.NextAttempt.ToUnixTimeMilliseconds();
                _host.Value = (object?)u.RemoteHost ?? DBNull.Value;
                _address.Value = (object?)u.RemoteAddress ?? DBNull.Value;
                _reply.Value = (object?)u.LastReply ?? DBNull.Value;
                _inflight.Value = u.RepeatPossible ? 1 : 0;
                _seq.Value = u.Seq;
                _rcpt.Value = u.Rcpt;
                _outcome.ExecuteNonQuery();
            }
        }

        public void Dispose()
        {
            _claim.Dispose();
            _outcome.Dispose();
        }
    }

    /// <summary>Fills <see cref="StoredMessage.Delivery"/> of <paramref name="messages"/>: their queue rows, or one "stored" entry per recipient.</summary>
    private static async Task<List<StoredMessage>> WithDeliveriesAsync(SqliteConnection connection, List<StoredMessage> messages, CancellationToken cancellationToken)
    {
        if (messages.Count == 0) return messages;
        var rows = new Dictionary<long, List<DeliveryRecord>>();
        await using (var command = connection.CreateCommand())
        {
            var sql = new StringBuilder($"SELECT d.seq, {DeliveryColumns} FROM deliveries d WHERE d.seq IN (");
            for (var i = 0; i < messages.Count; i++)
            {
                if (i > 0) sql.Append(',');
                sql.Append("$s").Append(i);
                command.Parameters.AddWithValue("$s" + i, messages[i].Seq);
            }
            command.CommandText = sql.Append(") ORDER BY d.seq, d.rcpt").ToString();
            await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var seq = reader.GetInt64(0);
                if (!rows.TryGetValue(seq, out var list)) rows[seq] = list = [];
                list.Add(ReadDelivery(reader, 1));
            }
        }
        for (var i = 0; i < messages.Count; i++)
        {
            var m = messages[i];
            messages[i] = m with
            {
                Delivery = rows.TryGetValue(m.Seq, out var list)
                    ? list
                    : [.. m.Recipients.Select(r => new DeliveryRecord(r, DeliveryStates.Stored, null, 0, null, null, null, null, null))],
            };
        }
        return messages;
    }

    private static DeliveryRecord ReadDelivery(SqliteDataReader reader, int first)
    {
        DateTimeOffset? Time(int ordinal) => reader.IsDBNull(ordinal) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(ordinal));
        var state = reader.GetString(first + 1);
        return new DeliveryRecord(
            reader.GetString(first),
            state,
            reader.GetString(first + 2),
            reader.GetInt32(first + 3),
            Time(first + 4),
            state is DeliveryStates.Queued or DeliveryStates.Deferred ? Time(first + 5) : null,
            NullableString(reader, first + 6),
            NullableString(reader, first + 7),
            NullableString(reader, first + 8));
    }
}
