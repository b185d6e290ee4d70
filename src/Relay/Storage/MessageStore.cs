using System.Data.Common;
using System.Diagnostics;
using System.Text;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using SmarthostLab.Relay.Configuration;
using SmarthostLab.Relay.Diagnostics;

namespace SmarthostLab.Relay.Storage;

/// <summary>
/// <see cref="IMessageStore"/> over an ADO.NET database, the part both providers share (issue 18): a single writer
/// task drains a channel of pending writes and commits them in one transaction per batch (group commit): many
/// concurrent sessions share one durable commit. After the commit it completes the writes' tasks, hands new queue
/// entries to the delivery queue, wakes the open waits and feeds the live page. Reads use their own connections and
/// never wait for the writer. What differs by database (opening, the message INSERT, a few SQL words, cross-relay
/// notification) is left to <see cref="SqliteMessageStore"/> and <see cref="Postgres.PostgresMessageStore"/>.
/// </summary>
public abstract partial class MessageStore : IMessageStore, IAsyncDisposable
{
    private protected readonly StoreOptions _options;
    private protected readonly TimeProvider _time;
    private protected readonly RelayMetrics _metrics;
    private protected readonly ILogger _logger;
    private readonly Channel<StoreWrite> _writes = Channel.CreateUnbounded<StoreWrite>(new UnboundedChannelOptions { SingleReader = true });
    private readonly SemaphoreSlim _openLock = new(1, 1);
    private DbConnection? _writer;
    private Task _writerLoop = Task.CompletedTask;
    private ITimer? _retentionTimer;
    private protected readonly TokenIndex _tokens;
    private protected readonly CancellationTokenSource _closing = new();
    private readonly TaskCompletionSource _tokenIndexLoaded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _tokenLoad = Task.CompletedTask; // the load of the token index; set by the writer
    private bool _indexing; // the writer adds every row it inserts to the token index; writer thread only
    private long _messageCount;
    private long _refusalCount;
    private long _lastAgeRetention;
    private volatile bool _open;
    private bool _disposed;

    private protected MessageStore(StoreOptions options, TimeProvider time, RelayMetrics metrics, ILogger logger)
    {
        _options = options;
        _time = time;
        _metrics = metrics;
        _logger = logger;
        Waiters = new MessageWaiters(metrics);
        // Room for every message retention keeps, its 1 % steps and two batches beyond; without a limit, the newest 100,000.
        _tokens = new TokenIndex(_options.MaxMessages > 0 ? _options.MaxMessages + TrimStep(_options.MaxMessages) + 2 * _options.MaxBatchSize : UnlimitedTokenIndex);
    }

    /// <summary>Messages the token index covers when <see cref="StoreOptions.MaxMessages"/> is 0 (no limit); older ones are scanned.</summary>
    internal const int UnlimitedTokenIndex = 100_000;

    /// <summary>Where the store is, for the log: the SQLite file's path, or PostgreSQL's host, port and database.</summary>
    public abstract string Location { get; }

    /// <inheritdoc />
    public bool IsOpen => _open;

    /// <inheritdoc />
    public MessageWaiters Waiters { get; }

    /// <summary>Opens the database, applies migrations and starts the writer. Idempotent.</summary>
    public async Task OpenAsync(CancellationToken cancellationToken = default)
    {
        await _openLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_open) return;
            ObjectDisposedException.ThrowIf(_disposed, this);
            var writer = OpenWriter();
            int version;
            try
            {
                RefreshCounts(writer);
                version = (int)Scalar(writer, "SELECT MAX(version) FROM schema_version");
                await OpeningAsync(cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                // Not a store (not a database, read-only, …): nothing of it is kept for DisposeAsync to close.
                writer.Dispose();
                throw;
            }
            _writer = writer;
            _lastAgeRetention = _time.GetTimestamp();
            // A thread of its own: the writer blocks in fsync, which would otherwise hold a pool thread the sessions need.
            _writerLoop = Task.Factory.StartNew(WriteLoop, CancellationToken.None,
                TaskCreationOptions.LongRunning, TaskScheduler.Default);
            _retentionTimer = _time.CreateTimer(_ => Enqueue(new StoreWrite(StoreWriteKind.Retention, static (_, _, _) => { })), null, _options.RetentionInterval, _options.RetentionInterval);
            _open = true;
            Opened();
            StoreLog.Opened(_logger, Location, version, _messageCount);
        }
        finally
        {
            _openLock.Release();
        }
    }

    /// <summary>Opens the writer's connection, sets it up and brings the schema to the latest version (logging each migration).</summary>
    private protected abstract DbConnection OpenWriter();

    /// <summary>After the writer's connection is open, before the store counts as open (PostgreSQL: its listener).</summary>
    private protected virtual Task OpeningAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    /// <summary>Once the writer runs (PostgreSQL: its timers).</summary>
    private protected virtual void Opened()
    {
    }

    /// <summary>A new, closed connection for one read.</summary>
    private protected abstract DbConnection NewReadConnection();

    /// <summary>
    /// Inserts <paramref name="messages"/> with their queue rows, in their order (so their seqs ascend in it), inside the
    /// writer's open transaction, and sets <paramref name="seqs"/> and their jobs' seqs; a failure fails them all.
    /// SQLite inserts one after the other; PostgreSQL sends them in one round trip.
    /// </summary>
    private protected abstract void InsertMessages(DbConnection connection, DbTransaction transaction, IReadOnlyList<NewMessage> messages, Span<long> seqs);

    /// <summary>Inserts the queue rows of <paramref name="job"/> for the message at <paramref name="seq"/> (state queued) and sets its seq.</summary>
    private protected abstract void InsertDeliveries(DbConnection connection, DbTransaction transaction, long seq, OutboundJob job);

    /// <summary>The LIKE that ignores ASCII case (SQLite's LIKE, PostgreSQL's ILIKE): the filters and the token search.</summary>
    private protected abstract string LikeOperator { get; }

    /// <summary>SQL true when <paramref name="column"/> equals <paramref name="parameter"/> ignoring ASCII case.</summary>
    private protected abstract string EqualsIgnoringCase(string column, string parameter);

    /// <summary>Restricts a query to rows <paramref name="seqs"/> and those below <paramref name="floor"/> (the token index's answer).</summary>
    private protected abstract void AddCandidates(DbCommand command, StringBuilder where, List<long> seqs, long floor);

    /// <summary>The ON CONFLICT target of fault_rules, whose names ignore case.</summary>
    private protected abstract string FaultRuleConflict { get; }

    /// <summary>Just before a batch's commit, with the messages it deleted (PostgreSQL: tells the other relays what it commits).</summary>
    private protected virtual void BeforeCommit(DbConnection connection, DbTransaction transaction, IReadOnlyList<StoreWrite> batch, int deleted)
    {
    }

    /// <summary>After a batch's or a write's transaction rolled back (PostgreSQL: forgets the rows it would have announced).</summary>
    private protected virtual void RolledBack()
    {
    }

    /// <summary>The writer's connection as it is before a batch: PostgreSQL reconnects one the server dropped.</summary>
    private protected virtual DbConnection Usable(DbConnection writer) => writer;

    /// <summary>At close, after the last batch: SQLite checkpoints its WAL, PostgreSQL releases this relay's queue rows.</summary>
    private protected virtual void Closing(DbConnection writer)
    {
    }

    /// <summary>After the writer's connection is closed: drop pooled connections.</summary>
    private protected abstract void ClearPools();

    /// <inheritdoc />
    public Task AddMessageAsync(NewMessage message, CancellationToken cancellationToken = default)
    {
        // Made on the caller's thread once the token index is in use: the writer, the relay's serial step, only copies it.
        var signature = _tokens.Wanted ? Signature(message) : null;
        // Applied alone only when it is not part of a run of messages in its batch (ApplyInOrder).
        var write = new StoreWrite(StoreWriteKind.Message, (connection, transaction, self) => Store(connection, transaction, self.Messages), message.RawLength)
        { Outbound = message.Outbound, Messages = [new CommittedMessage(message, signature)] };
        return EnqueueAndWait(write, cancellationToken);
    }

    /// <inheritdoc />
    public void AddRefusal(RefusalRecord refusal)
    {
        _metrics.Refused(refusal.Stage, refusal.Reason);
        Enqueue(new StoreWrite(StoreWriteKind.Refusal, (connection, transaction, self) =>
        {
            using var insert = connection.CreateCommand();
            insert.Transaction = transaction;
            insert.CommandText = """
                INSERT INTO refusals (time, client_ip, helo, stage, reply, reason, account, mail_from, recipient)
                VALUES (@t, @ip, @helo, @stage, @reply, @reason, @account, @from, @rcpt) RETURNING id
                """;
            insert.Add("@t", refusal.Time.ToUnixTimeMilliseconds());
            insert.Add("@ip", refusal.ClientIp);
            insert.Add("@helo", refusal.Helo);
            insert.Add("@stage", refusal.Stage);
            insert.Add("@reply", refusal.Reply);
            insert.Add("@reason", refusal.Reason);
            insert.Add("@account", refusal.Account);
            insert.Add("@from", refusal.MailFrom);
            insert.Add("@rcpt", refusal.Recipient);
            self.RowId = Convert.ToInt64(insert.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        }) { Refusal = refusal });
    }

    /// <inheritdoc />
    public Task FlushAsync(CancellationToken cancellationToken = default) =>
        EnqueueAndWait(new StoreWrite(StoreWriteKind.Flush, static (_, _, _) => { }), cancellationToken);

    /// <inheritdoc />
    public async Task<bool> DeleteMessageAsync(string id, CancellationToken cancellationToken = default)
    {
        var write = new StoreWrite(StoreWriteKind.Delete, (connection, transaction, self) =>
            self.RowsChanged = Execute(connection, "DELETE FROM messages WHERE id = @id", transaction, ("@id", id)));
        await EnqueueAndWait(write, cancellationToken).ConfigureAwait(false);
        return write.RowsChanged > 0;
    }

    /// <inheritdoc />
    public Task DeleteAllMessagesAsync(CancellationToken cancellationToken = default) =>
        EnqueueAndWait(new StoreWrite(StoreWriteKind.Delete, static (connection, transaction, self) =>
            self.RowsChanged = Execute(connection, "DELETE FROM messages", transaction)), cancellationToken);

    /// <inheritdoc />
    public Task SetAccountOverrideAsync(string account, string address, bool? added, CancellationToken cancellationToken = default)
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        return EnqueueAndWait(new StoreWrite(StoreWriteKind.AccountOverride, (connection, transaction, _) =>
        {
            if (added is null)
                Execute(connection, "DELETE FROM account_overrides WHERE account = @a AND address = @addr", transaction, ("@a", account), ("@addr", address));
            else
                Execute(connection, """
                    INSERT INTO account_overrides (account, address, state, changed_at) VALUES (@a, @addr, @s, @t)
                    ON CONFLICT (account, address) DO UPDATE SET state = excluded.state, changed_at = excluded.changed_at
                    """, transaction, ("@a", account), ("@addr", address), ("@s", added.Value ? "added" : "removed"), ("@t", now));
        }), cancellationToken);
    }

    /// <inheritdoc />
    public void SaveGreylist(IReadOnlyList<GreylistEntry> entries, IReadOnlyList<GreylistEntry> removed)
    {
        if (entries.Count == 0 && removed.Count == 0) return;
        Enqueue(new StoreWrite(StoreWriteKind.Greylist, (connection, transaction, _) =>
        {
            using var command = connection.CreateCommand();
            command.Transaction = transaction;
            var network = command.Add("@n", System.Data.DbType.String);
            var sender = command.Add("@s", System.Data.DbType.String);
            var recipient = command.Add("@r", System.Data.DbType.String);
            if (removed.Count > 0)
            {
                command.CommandText = "DELETE FROM greylist WHERE network = @n AND sender = @s AND recipient = @r";
                foreach (var entry in removed)
                {
                    (network.Value, sender.Value, recipient.Value) = (entry.Network, entry.Sender, entry.Recipient);
                    command.ExecuteNonQuery();
                }
            }
            if (entries.Count == 0) return;
            var first = command.Add("@f", System.Data.DbType.Int64);
            var last = command.Add("@l", System.Data.DbType.Int64);
            var passed = command.Add("@p", System.Data.DbType.Int64);
            command.CommandText = """
                INSERT INTO greylist (network, sender, recipient, first_seen, last_seen, passed) VALUES (@n, @s, @r, @f, @l, @p)
                ON CONFLICT (network, sender, recipient) DO UPDATE SET first_seen = excluded.first_seen, last_seen = excluded.last_seen, passed = excluded.passed
                """;
            foreach (var entry in entries)
            {
                (network.Value, sender.Value, recipient.Value) = (entry.Network, entry.Sender, entry.Recipient);
                (first.Value, last.Value, passed.Value) = (entry.FirstSeen.ToUnixTimeMilliseconds(), entry.LastSeen.ToUnixTimeMilliseconds(), entry.Passed ? 1L : 0L);
                command.ExecuteNonQuery();
            }
        }));
    }

    private protected void Enqueue(StoreWrite write)
    {
        if (!_writes.Writer.TryWrite(write))
            write.Done.TrySetException(new ObjectDisposedException(GetType().Name, "The store is closed."));
    }

    private protected async Task EnqueueAndWait(StoreWrite write, CancellationToken cancellationToken)
    {
        if (!_open) throw new InvalidOperationException("The store is not open.");
        Enqueue(write);
        await write.Done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private void WriteLoop()
    {
        var reader = _writes.Reader;
        var batch = new List<StoreWrite>(_options.MaxBatchSize);
        try
        {
            while (WaitToRead(reader))
            {
                long bytes = 0;
                while (batch.Count < _options.MaxBatchSize && bytes < _options.MaxBatchBytes && reader.TryRead(out var write))
                {
                    batch.Add(write);
                    bytes += write.Bytes;
                }
                CommitBatch(batch);
                batch.Clear();
            }
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            StoreLog.WriterCrashed(_logger, exception);
            foreach (var write in batch) write.Done.TrySetException(exception);
            while (reader.TryRead(out var write)) write.Done.TrySetException(exception);
            throw;
        }
    }

    /// <summary>Blocks the writer's own thread until a write is queued; false once the channel is completed and empty.</summary>
    private static bool WaitToRead(ChannelReader<StoreWrite> reader)
    {
        var wait = reader.WaitToReadAsync();
        return wait.IsCompletedSuccessfully ? wait.Result : wait.AsTask().GetAwaiter().GetResult();
    }

    private void CommitBatch(List<StoreWrite> batch)
    {
        var started = Stopwatch.GetTimestamp();
        var retention = batch.Any(w => w.Kind == StoreWriteKind.Retention) || _time.GetElapsedTime(_lastAgeRetention) >= _options.RetentionInterval;
        var deleted = false;
        DbConnection writer;
        try
        {
            writer = _writer = Usable(_writer!);
        }
        catch (DbException exception)
        {
            // The database cannot be reached: every write of the batch fails (the next batch tries again).
            StoreLog.BatchFailed(_logger, batch.Count, exception);
            _metrics.StoreFailed();
            foreach (var write in batch) write.Done.TrySetException(exception);
            return;
        }
        try
        {
            // Once per retention interval, recount: rows deleted or added by something other than this relay (an
            // operator's sqlite3, another relay on the same PostgreSQL) would otherwise make count-based retention keep too few or too many.
            if (retention) RefreshCounts(writer);
            using (var transaction = writer.BeginTransaction())
            {
                ApplyInOrder(writer, transaction, batch);
                var added = 0;
                var refused = 0;
                var removed = 0;
                foreach (var write in batch)
                {
                    switch (write.Kind)
                    {
                        case StoreWriteKind.Message: added++; break;
                        case StoreWriteKind.Refusal: refused++; break;
                        case StoreWriteKind.Delete: added -= write.RowsChanged; removed += write.RowsChanged; break; // applied above, counted after commit
                        case StoreWriteKind.Delivery: added += write.RowsChanged; break;
                        case StoreWriteKind.Remote: added += write.RemoteAdded; break;
                    }
                }
                var retained = ApplyRetention(writer, transaction, retention, added, refused);
                deleted = retained > 0;
                BeforeCommit(writer, transaction, batch, removed + retained);
                transaction.Commit();
            }
            _metrics.BatchCommitted(batch.Count, Stopwatch.GetElapsedTime(started));
            Completed(batch, deleted);
        }
        catch (DbException exception)
        {
            StoreLog.BatchFailed(_logger, batch.Count, exception);
            RolledBack();
            TryRefreshCounts(writer);
            foreach (var write in batch) CommitOne(write);
        }
    }

    /// <summary>
    /// Applies the batch's writes in their order; each run of consecutive messages is stored at once
    /// (<see cref="InsertMessages"/>), which on PostgreSQL is one round trip instead of one per message (docs/SCALE.md).
    /// </summary>
    private void ApplyInOrder(DbConnection connection, DbTransaction transaction, List<StoreWrite> batch)
    {
        for (var start = 0; start < batch.Count;)
        {
            var end = start;
            while (end < batch.Count && batch[end].Kind == StoreWriteKind.Message) end++;
            if (end - start < 2)
            {
                batch[start++].Apply(connection, transaction);
                continue;
            }
            var messages = new List<CommittedMessage>(end - start);
            for (var i = start; i < end; i++) messages.AddRange(batch[i].Messages);
            Store(connection, transaction, messages);
            start = end;
        }
    }

    /// <summary>Inserts <paramref name="messages"/> in their order, then gives each its token index entry (and PostgreSQL's notification) with its seq.</summary>
    private protected void Store(DbConnection connection, DbTransaction transaction, IReadOnlyList<CommittedMessage> messages)
    {
        var batch = new NewMessage[messages.Count];
        for (var i = 0; i < batch.Length; i++) batch[i] = messages[i].Message;
        Span<long> seqs = batch.Length <= 64 ? stackalloc long[batch.Length] : new long[batch.Length];
        InsertMessages(connection, transaction, batch, seqs);
        for (var i = 0; i < batch.Length; i++) Indexed(seqs[i], batch[i], messages[i].Signature);
    }

    private void CommitOne(StoreWrite write)
    {
        try
        {
            var writer = _writer = Usable(_writer!);
            using (var transaction = writer.BeginTransaction())
            {
                write.Apply(writer, transaction);
                BeforeCommit(writer, transaction, [write], write.Kind == StoreWriteKind.Delete ? write.RowsChanged : 0);
                transaction.Commit();
            }
            Completed([write], deleted: false);
        }
        catch (DbException exception)
        {
            StoreLog.WriteFailed(_logger, write.Kind.ToString(), exception);
            _metrics.StoreFailed();
            RolledBack();
            TryRefreshCounts(_writer!);
            write.Done.TrySetException(exception);
        }
    }

    /// <summary>After a commit: counts, metrics, the queue, the writes' tasks, then the open waits (<paramref name="deleted"/>: retention deleted messages).</summary>
    private void Completed(IReadOnlyList<StoreWrite> batch, bool deleted)
    {
        foreach (var write in batch)
        {
            if (write.Outbound.Count > 0) OutboundCommitted(write.Outbound);
            write.AfterCommit?.Invoke();
            switch (write.Kind)
            {
                case StoreWriteKind.Message:
                    _messageCount++;
                    _metrics.MessageStored(write.Bytes);
                    break;
                case StoreWriteKind.Refusal:
                    _refusalCount++;
                    break;
                case StoreWriteKind.Delete:
                    _messageCount -= write.RowsChanged;
                    deleted |= write.RowsChanged > 0;
                    break;
                case StoreWriteKind.Delivery:
                    _messageCount += write.RowsChanged; // the DSNs it stored
                    break;
                case StoreWriteKind.Remote:
                    _messageCount += write.RemoteAdded;
                    if (write.Refusal is not null) _refusalCount++;
                    deleted |= write.RowsChanged > 0 || write.Resync;
                    break;
            }
            write.Done.TrySetResult();
        }
        if (!Waiters.IsEmpty) NotifyWaiters(batch, deleted);
        if (Feed is { IsActive: true } feed) feed.Committed(batch, deleted);
    }

    /// <summary>Hands the open waits what the batch stored and whose delivery it changed (only when a wait is open).</summary>
    private void NotifyWaiters(IReadOnlyList<StoreWrite> batch, bool deleted)
    {
        var stored = new List<CommittedMessage>();
        var deliveryChanged = new HashSet<long>();
        foreach (var write in batch)
        {
            stored.AddRange(write.Messages);
            deliveryChanged.UnionWith(write.DeliveryChanged);
        }
        Waiters.Committed(stored, deliveryChanged, deleted);
    }

    /// <summary>
    /// Deletes past <see cref="StoreOptions.MaxMessages"/> / <see cref="StoreOptions.MaxRefusals"/> (oldest first) and,
    /// when <paramref name="byAge"/>, past <see cref="StoreOptions.MaxAge"/>, inside the batch's transaction.
    /// <paramref name="netMessages"/> and <paramref name="newRefusals"/> are the batch's own changes, which
    /// <see cref="Completed"/> adds to the counts after the commit. The counts are exact (read at open, after a
    /// failed batch and once per retention interval, kept since), so a full store, the steady state of a
    /// long-running relay, costs one DELETE by key per batch instead of counting every row. Returns the messages deleted.
    /// </summary>
    private int ApplyRetention(DbConnection connection, DbTransaction transaction, bool byAge, int netMessages, int newRefusals)
    {
        int messages = 0, refusals = 0;
        var messagesOver = _messageCount + netMessages - _options.MaxMessages;
        if (_options.MaxMessages > 0 && messagesOver > 0)
            messages += Execute(connection, $"DELETE FROM messages WHERE seq IN (SELECT seq FROM messages m WHERE {NotPending} ORDER BY seq LIMIT @n)", transaction, ("@n", messagesOver + TrimStep(_options.MaxMessages)));
        var refusalsOver = _refusalCount + newRefusals - _options.MaxRefusals;
        if (_options.MaxRefusals > 0 && refusalsOver > 0)
            refusals += Execute(connection, "DELETE FROM refusals WHERE id IN (SELECT id FROM refusals ORDER BY id LIMIT @n)", transaction, ("@n", refusalsOver + TrimStep(_options.MaxRefusals)));
        if (byAge && _options.MaxAge > TimeSpan.Zero)
        {
            var cutoff = (_time.GetUtcNow() - _options.MaxAge).ToUnixTimeMilliseconds();
            messages += Execute(connection, $"DELETE FROM messages AS m WHERE received_at < @c AND {NotPending}", transaction, ("@c", cutoff));
            refusals += Execute(connection, "DELETE FROM refusals WHERE time < @c", transaction, ("@c", cutoff));
            _lastAgeRetention = _time.GetTimestamp();
        }
        if (messages > 0 || refusals > 0)
        {
            StoreLog.RetentionDeleted(_logger, messages, refusals);
            // Rows of this batch deleted by age are counted here too, and added back by Completed: the net is right.
            _messageCount -= messages;
            _refusalCount -= refusals;
        }
        return messages;
    }

    /// <summary>Retention never deletes a message that still has recipients to deliver (m = the messages row).</summary>
    private const string NotPending = "NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.seq = m.seq AND d.state IN ('queued', 'deferred'))";

    /// <summary>
    /// Rows deleted beyond the limit when a count limit is passed: 1 % of it, so a full store trims in steps down to
    /// 99 % instead of deleting the oldest row or two in every group commit. Each such delete rewrites the first
    /// pages of both tables and of each index besides the last ones the inserts write (issue 5: at 100,000
    /// messages that was ≈ 30 % of the bytes written and ≈ 8 µs of relay CPU per message). Limits under 100 stay exact.
    /// </summary>
    internal static int TrimStep(int limit) => limit / 100;

    private void RefreshCounts(DbConnection connection)
    {
        _messageCount = Scalar(connection, "SELECT COUNT(*) FROM messages");
        _refusalCount = Scalar(connection, "SELECT COUNT(*) FROM refusals");
    }

    /// <summary>After a failed batch: recount if the connection still answers (a dropped one is reopened by the next batch).</summary>
    private void TryRefreshCounts(DbConnection connection)
    {
        try
        {
            RefreshCounts(connection);
        }
        catch (Exception exception) when (exception is DbException or InvalidOperationException)
        {
            // Counted again after the next retention interval.
        }
    }

    private protected static int Execute(DbConnection connection, string sql, DbTransaction? transaction = null, params (string Name, object? Value)[] parameters)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters) command.Add(name, value);
        return command.ExecuteNonQuery();
    }

    private protected static long Scalar(DbConnection connection, string sql, DbTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command.ExecuteScalar() is { } value and not DBNull ? Convert.ToInt64(value, System.Globalization.CultureInfo.InvariantCulture) : 0;
    }

    /// <summary>Stops taking writes, commits every pending one, and closes the database.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_disposed) return;
        _disposed = true;
        _writes.Writer.TryComplete();
        await _closing.CancelAsync().ConfigureAwait(false);
        if (_retentionTimer is not null) await _retentionTimer.DisposeAsync().ConfigureAwait(false);
        try
        {
            await _writerLoop.ConfigureAwait(false);
            await _tokenLoad.ConfigureAwait(false); // started by the writer, if at all
            await ClosingAsync().ConfigureAwait(false);
        }
        finally
        {
            _open = false;
            if (_writer is not null)
            {
                _deliveryUpdates?.Dispose();
                try
                {
                    Closing(_writer);
                }
                catch (Exception exception) when (exception is DbException or InvalidOperationException)
                {
                    StoreLog.WriteFailed(_logger, "close", exception);
                }
                await _writer.DisposeAsync().ConfigureAwait(false);
                ClearPools();
                StoreLog.Closed(_logger);
            }
            _openLock.Dispose();
            _closing.Dispose();
        }
    }

    /// <summary>After the writer's last batch, before its connection closes (PostgreSQL: stops the listener and timers).</summary>
    private protected virtual ValueTask ClosingAsync() => ValueTask.CompletedTask;
}
