using System.Text;
using System.Data;
using System.Data.Common;

namespace SmarthostLab.Relay.Storage;

/// <summary>The outbound queue's rows (issue 13): written by the single writer, read on read connections.</summary>
public abstract partial class MessageStore
{
    private const string DeliveryColumns = "d.recipient, d.state, d.destination, d.attempts, d.last_attempt, d.next_attempt, d.remote_host, d.remote_address, d.last_reply";

    /// <inheritdoc />
    public Action<IReadOnlyList<OutboundJob>>? OutboundQueued { get; set; }

    /// <inheritdoc />
    public async Task<IReadOnlyList<DeliveryUpdate>> RecordDeliveryAsync(IReadOnlyList<DeliveryUpdate> updates, IReadOnlyList<NewMessage> reports, CancellationToken cancellationToken = default)
    {
        IReadOnlyList<DeliveryUpdate> refused = [];
        var write = new StoreWrite(StoreWriteKind.Delivery, (connection, transaction, self) =>
        {
            refused = updates.Count > 0 ? ApplyUpdates(connection, transaction, updates) : [];
            Store(connection, transaction, self.Messages);
            self.RowsChanged = reports.Count;
        }, reports.Sum(r => r.RawLength))
        {
            Outbound = [.. reports.SelectMany(r => r.Outbound)],
            Messages = [.. reports.Select(report => new CommittedMessage(report, _tokens.Wanted ? Signature(report) : null))],
            DeliveryChanged = [.. updates.Where(u => !u.Claim).Select(u => u.Seq)], // a claim changes no state
        };
        await EnqueueAndWait(write, cancellationToken).ConfigureAwait(false);
        return refused;
    }

    /// <inheritdoc />
    public async Task<QueueResult> QueueMessageAsync(string id, IReadOnlyList<OutboundJob> jobs, CancellationToken cancellationToken = default)
    {
        var result = QueueResult.NotFound;
        var write = new StoreWrite(StoreWriteKind.Delivery, (connection, transaction, self) =>
        {
            using var find = connection.CreateCommand();
            find.Transaction = transaction;
            find.CommandText = "SELECT seq, CASE WHEN EXISTS (SELECT 1 FROM deliveries d WHERE d.seq = m.seq AND d.state IN ('queued', 'deferred')) THEN 1 ELSE 0 END FROM messages m WHERE id = @id";
            find.Add("@id", id);
            using (var reader = find.ExecuteReader())
            {
                if (!reader.Read()) return;
                if (Convert.ToInt64(reader.GetValue(1), System.Globalization.CultureInfo.InvariantCulture) != 0)
                {
                    result = QueueResult.AlreadyQueued;
                    return;
                }
                var seq = reader.GetInt64(0);
                reader.Close();
                // Released again after it was delivered or bounced: the earlier rows give way to the new route.
                Execute(connection, "DELETE FROM deliveries WHERE seq = @s", transaction, ("@s", seq));
                foreach (var job in jobs) InsertDeliveries(connection, transaction, seq, job);
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
            update.CommandText = "UPDATE deliveries SET destination = @d WHERE seq = @s AND rcpt = @r";
            var (d, s, r) = (update.Add("@d", DbType.String), update.Add("@s", DbType.Int64), update.Add("@r", DbType.Int64));
            foreach (var change in changes)
            {
                (d.Value, s.Value, r.Value) = (change.Destination, change.Seq, (long)change.Rcpt);
                update.ExecuteNonQuery();
            }
        }), cancellationToken);

    /// <inheritdoc />
    public Task RescheduleDeferredAsync(DateTimeOffset now, CancellationToken cancellationToken = default) =>
        EnqueueAndWait(new StoreWrite(StoreWriteKind.Flush, (connection, transaction, _) =>
            Execute(connection, "UPDATE deliveries SET next_attempt = @n WHERE state = 'deferred'", transaction, ("@n", now.ToUnixTimeMilliseconds()))), cancellationToken);

    /// <inheritdoc />
    public virtual async Task<IReadOnlyList<OutboundJob>> LoadOutboundAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = OutboundSql("d.state IN ('queued', 'deferred')");
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        return ReadJobs(reader, null);
    }

    /// <summary>The SELECT of queue rows as jobs (read by <see cref="ReadJobs"/>) where <paramref name="condition"/> holds.</summary>
    private protected static string OutboundSql(string condition) => $"""
        SELECT d.seq, d.rcpt, d.recipient, d.destination, d.attempts, d.next_attempt, d.inflight,
               m.id, m.account, m.mail_from, m.mail_from_parameters, m.received_at, m.recipient_parameters, m.dsn_of, d.pinned
        FROM deliveries d JOIN messages m ON m.seq = d.seq
        WHERE {condition}
        ORDER BY d.seq, d.destination, d.rcpt
        """;

    /// <summary>Groups the rows of <see cref="OutboundSql"/> into jobs (one per message, destination and pinning); only the rows in <paramref name="only"/> when given.</summary>
    private protected static List<OutboundJob> ReadJobs(DbDataReader reader, HashSet<(long Seq, int Rcpt)>? only)
    {
        var jobs = new List<OutboundJob>();
        OutboundJob? job = null;
        string[] parameters = [];
        while (reader.Read())
        {
            var seq = reader.GetInt64(0);
            var index = (int)reader.GetInt64(1);
            if (only is not null && !only.Contains((seq, index))) continue;
            var destination = reader.GetString(3);
            var pinned = reader.GetInt64(14) != 0;
            if (job is null || job.Seq != seq || job.Destination != destination || job.Pinned != pinned)
            {
                job = new OutboundJob
                {
                    Seq = seq,
                    MessageId = reader.GetString(7),
                    Account = reader.NullableString(8),
                    MailFrom = reader.GetString(9),
                    MailFromParameters = reader.GetString(10),
                    ReceivedAt = DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(11)),
                    Destination = destination,
                    Recipients = [],
                    IsDsn = !reader.IsDBNull(13),
                    Pinned = pinned,
                };
                parameters = reader.NullableString(12)?.Split('\n') ?? [];
                jobs.Add(job);
            }
            job.Recipients.Add(new OutboundRecipientEntry
            {
                Index = index,
                Address = reader.GetString(2),
                Parameters = index < parameters.Length && parameters[index].Length > 0 ? parameters[index] : null,
                Attempts = (int)reader.GetInt64(4),
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
                WHERE d.state = 'deferred' ORDER BY d.next_attempt, d.seq, d.rcpt LIMIT @limit
                """;
            list.Add("@limit", limit);
            await using var reader = await list.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false)) deferred.Add(new DeferredEntry(reader.GetString(0), ReadDelivery(reader, 1)));
        }
        return new QueueSummary(counts, deferred);
    }

    /// <inheritdoc />
    public IMessageContentReader OpenContentReader()
    {
        if (!_open) throw new InvalidOperationException("The store is not open.");
        return new ContentReader(NewReadConnection());
    }

    /// <summary>One read connection and one prepared SELECT by row, reused for every message a delivery connection sends.</summary>
    private sealed class ContentReader : IMessageContentReader
    {
        private readonly DbConnection _connection;
        private readonly DbCommand _select;
        private readonly DbParameter _seq;

        public ContentReader(DbConnection connection)
        {
            _connection = connection;
            _connection.Open();
            _select = _connection.CreateCommand();
            _select.CommandText = "SELECT raw FROM message_content WHERE seq = @seq";
            _seq = _select.Add("@seq", DbType.Int64);
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
    private protected void OutboundCommitted(IReadOnlyList<OutboundJob> jobs)
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

    /// <summary>Applies claims and outcomes; returns the claims refused (rows another relay owns: PostgreSQL only).</summary>
    private IReadOnlyList<DeliveryUpdate> ApplyUpdates(DbConnection connection, DbTransaction transaction, IReadOnlyList<DeliveryUpdate> updates)
    {
        if (_deliveryUpdates?.Connection != connection)
        {
            _deliveryUpdates?.Dispose();
            _deliveryUpdates = new DeliveryUpdates(this, connection);
        }
        return _deliveryUpdates.Apply(transaction, updates);
    }

    /// <summary>
    /// True when several relays share the queue rows (PostgreSQL): a claim then succeeds only for a row this relay may
    /// take (<see cref="ClaimCondition"/>), and an outcome is recorded only on a row this relay owns.
    /// </summary>
    private protected virtual bool SharedQueue => false;

    /// <summary>Appended to the claim's WHERE (shared queue): the row is still to deliver and not another live relay's.</summary>
    private protected virtual string ClaimCondition => "";

    /// <summary>Appended to the claim's SET (shared queue): the row becomes this relay's.</summary>
    private protected virtual string ClaimOwner => "";

    /// <summary>Appended to the outcome's WHERE (shared queue): only the owner records an outcome.</summary>
    private protected virtual string OwnerCondition => "";

    /// <summary>Adds the parameters <see cref="ClaimCondition"/>, <see cref="ClaimOwner"/> and <see cref="OwnerCondition"/> name.</summary>
    private protected virtual void AddOwnerParameters(DbCommand command)
    {
    }

    /// <summary>The claim and outcome UPDATEs, prepared once on the writer's connection (the writer is the relay's serial step).</summary>
    private sealed class DeliveryUpdates : IDisposable
    {
        private readonly MessageStore _store;
        private readonly DbCommand _claim;
        private readonly DbParameter _claimSeq, _claimRcpt;
        private readonly DbCommand _outcome;
        private readonly DbParameter _state, _attempts, _last, _next, _host, _address, _reply, _seq, _rcpt, _inflight;

        public DeliveryUpdates(MessageStore store, DbConnection connection)
        {
            _store = store;
            Connection = connection;
            _claim = connection.CreateCommand();
            _claim.CommandText = $"UPDATE deliveries SET inflight = 1{store.ClaimOwner} WHERE seq = @s AND rcpt = @r{store.ClaimCondition}";
            _claimSeq = _claim.Add("@s", DbType.Int64);
            _claimRcpt = _claim.Add("@r", DbType.Int64);
            store.AddOwnerParameters(_claim);
            _outcome = connection.CreateCommand();
            _outcome.CommandText = $"""
                UPDATE deliveries SET state = @state, attempts = @attempts, last_attempt = @last, next_attempt = @next,
                    remote_host = @host, remote_address = @address, last_reply = @reply, inflight = @inflight,
                    finished_at = CASE WHEN @state IN ('delivered', 'bounced', 'expired') THEN @last ELSE NULL END
                WHERE seq = @s AND rcpt = @r{store.OwnerCondition}
                """;
            (_state, _attempts, _last, _next, _host, _address, _reply, _seq, _rcpt) = (
                _outcome.Add("@state", DbType.String), _outcome.Add("@attempts", DbType.Int64), _outcome.Add("@last", DbType.Int64),
                _outcome.Add("@next", DbType.Int64), _outcome.Add("@host", DbType.String), _outcome.Add("@address", DbType.String),
                _outcome.Add("@reply", DbType.String), _outcome.Add("@s", DbType.Int64), _outcome.Add("@r", DbType.Int64));
            _inflight = _outcome.Add("@inflight", DbType.Int64);
            store.AddOwnerParameters(_outcome);
        }

        /// <summary>The connection the statements belong to (a reconnected writer gets new ones).</summary>
        public DbConnection Connection { get; }

        public IReadOnlyList<DeliveryUpdate> Apply(DbTransaction transaction, IReadOnlyList<DeliveryUpdate> updates)
        {
            _claim.Transaction = transaction;
            _outcome.Transaction = transaction;
            List<DeliveryUpdate>? refused = null;
            foreach (var u in updates)
            {
                if (u.Claim)
                {
                    _claimSeq.Value = u.Seq;
                    _claimRcpt.Value = (long)u.Rcpt;
                    if (_claim.ExecuteNonQuery() == 0 && _store.SharedQueue) (refused ??= []).Add(u);
                    continue;
                }
                _state.Value = u.State;
                _attempts.Value = (long)u.Attempts;
                _last.Value = u.LastAttempt.ToUnixTimeMilliseconds();
                _next.Value = u.NextAttempt.ToUnixTimeMilliseconds();
                _host.Value = (object?)u.RemoteHost ?? DBNull.Value;
                _address.Value = (object?)u.RemoteAddress ?? DBNull.Value;
                _reply.Value = (object?)u.LastReply ?? DBNull.Value;
                _inflight.Value = u.RepeatPossible ? 1L : 0L;
                _seq.Value = u.Seq;
                _rcpt.Value = (long)u.Rcpt;
                _outcome.ExecuteNonQuery();
            }
            return refused ?? (IReadOnlyList<DeliveryUpdate>)[];
        }

        public void Dispose()
        {
            _claim.Dispose();
            _outcome.Dispose();
        }
    }

    /// <summary>Fills <see cref="StoredMessage.Delivery"/> of <paramref name="messages"/>: their queue rows, or one "stored" entry per recipient.</summary>
    private static async Task<List<StoredMessage>> WithDeliveriesAsync(DbConnection connection, List<StoredMessage> messages, CancellationToken cancellationToken)
    {
        if (messages.Count == 0) return messages;
        var rows = new Dictionary<long, List<DeliveryRecord>>();
        await using (var command = connection.CreateCommand())
        {
            var sql = new StringBuilder($"SELECT d.seq, {DeliveryColumns} FROM deliveries d WHERE d.seq IN (");
            for (var i = 0; i < messages.Count; i++)
            {
                if (i > 0) sql.Append(',');
                sql.Append("@s").Append(i);
                command.Add("@s" + i, messages[i].Seq);
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

    private static DeliveryRecord ReadDelivery(DbDataReader reader, int first)
    {
        DateTimeOffset? Time(int ordinal) => reader.IsDBNull(ordinal) ? null : DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(ordinal));
        var state = reader.GetString(first + 1);
        return new DeliveryRecord(
            reader.GetString(first),
            state,
            reader.GetString(first + 2),
            (int)reader.GetInt64(first + 3),
            Time(first + 4),
            state is DeliveryStates.Queued or DeliveryStates.Deferred ? Time(first + 5) : null,
            reader.NullableString(first + 6),
            reader.NullableString(first + 7),
            reader.NullableString(first + 8));
    }
}
