using System.Diagnostics;
using System.Text;
using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SQLitePCL;
using SmarthostLab.Relay.Configuration;
using SmarthostLab.Relay.Diagnostics;

namespace SmarthostLab.Relay.Storage;

/// <summary>
/// <see cref="IMessageStore"/> on one SQLite file (WAL, synchronous=FULL). A single writer task drains
/// a channel of pending writes and commits them in one transaction per batch (group commit): many
/// concurrent sessions share one fsync. Reads use their own pooled connections and never wait for the writer.
/// </summary>
public sealed partial class SqliteMessageStore : IMessageStore, IAsyncDisposable
{
    private readonly StoreOptions _options;
    private readonly TimeProvider _time;
    private readonly RelayMetrics _metrics;
    private readonly ILogger<SqliteMessageStore> _logger;
    private readonly Channel<StoreWrite> _writes = Channel.CreateUnbounded<StoreWrite>(new UnboundedChannelOptions { SingleReader = true });
    private readonly SemaphoreSlim _openLock = new(1, 1);
    private SqliteConnection? _writer;
    private string _readConnectionString = "";
    private Task _writerLoop = Task.CompletedTask;
    private ITimer? _retentionTimer;
    private readonly TokenIndex _tokens;
    private readonly CancellationTokenSource _closing = new();
    private readonly TaskCompletionSource _tokenIndexLoaded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _tokenLoad = Task.CompletedTask; // the load of the token index; set by the writer
    private bool _indexing; // the writer adds every row it inserts to the token index; writer thread only
    private MessageInsert? _messageInsert; // the writer's prepared statements, used by the writer thread only
    private long _messageCount;
    private long _refusalCount;
    private long _lastAgeRetention;
    private volatile bool _open;
    private bool _disposed;

    /// <summary>Creates the store; <see cref="OpenAsync"/> opens it.</summary>
    public SqliteMessageStore(IOptions<StoreOptions> options, TimeProvider time, RelayMetrics metrics, ILogger<SqliteMessageStore> logger)
    {
        _options = options.Value;
        _time = time;
        _metrics = metrics;
        _logger = logger;
        DatabasePath = Path.GetFullPath(Path.Combine(_options.DataFolder, _options.FileName));
        Waiters = new MessageWaiters(metrics);
        // Room for every message retention keeps, its 1 % steps and two batches beyond; without a limit, the newest 100,000.
        _tokens = new TokenIndex(_options.MaxMessages > 0 ? _options.MaxMessages + TrimStep(_options.MaxMessages) + 2 * _options.MaxBatchSize : UnlimitedTokenIndex);
    }

    /// <summary>Messages the token index covers when <see cref="StoreOptions.MaxMessages"/> is 0 (no limit); older ones are scanned.</summary>
    internal const int UnlimitedTokenIndex = 100_000;

    /// <summary>Full path of the SQLite file.</summary>
    public string DatabasePath { get; }

    /// <inheritdoc />
    public bool IsOpen => _open;

    /// <inheritdoc />
    public MessageWaiters Waiters { get; }

    /// <summary>Creates the data folder and file if needed, applies migrations and starts the writer. Idempotent.</summary>
    public async Task OpenAsync(CancellationToken cancellationToken = default)
    {
        await _openLock.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_open) return;
            ObjectDisposedException.ThrowIf(_disposed, this);
            Directory.CreateDirectory(Path.GetDirectoryName(DatabasePath)!);
            var builder = new SqliteConnectionStringBuilder { DataSource = DatabasePath, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false };
            var writer = new SqliteConnection(builder.ToString());
            int version2;
            try
            {
                writer.Open();
                // 16 KiB pages for a new file (an existing one keeps its size): a stored message is a few KiB, so several
                // share a page and a group commit writes fewer WAL frames (and pwrite calls) per message.
                Execute(writer, "PRAGMA page_size=16384; PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=10000;");
                foreach (var version in SchemaMigrator.Migrate(writer, _time)) StoreLog.Migrated(_logger, version);
                RefreshCounts(writer);
                version2 = (int)Scalar(writer, "SELECT MAX(version) FROM schema_version");
            }
            catch
            {
                // Not a store (not a database, read-only, …): nothing of it is kept for DisposeAsync to checkpoint.
                writer.Dispose();
                throw;
            }
            _writer = writer;
            _readConnectionString = new SqliteConnectionStringBuilder { DataSource = DatabasePath, Mode = SqliteOpenMode.ReadOnly, Pooling = true }.ToString();
            _lastAgeRetention = _time.GetTimestamp();
            // A thread of its own: the writer blocks in fsync, which would otherwise hold a pool thread the sessions need.
            _writerLoop = Task.Factory.StartNew(WriteLoop, CancellationToken.None,
                TaskCreationOptions.LongRunning, TaskScheduler.Default);
            _retentionTimer = _time.CreateTimer(_ => Enqueue(new StoreWrite(StoreWriteKind.Retention, static (_, _, _) => { })), null, _options.RetentionInterval, _options.RetentionInterval);
            _open = true;
            StoreLog.Opened(_logger, DatabasePath, version2, _messageCount);
        }
        finally
        {
            _openLock.Release();
        }
    }

    /// <inheritdoc />
    public Task AddMessageAsync(NewMessage message, CancellationToken cancellationToken = default)
    {
        // Made on the caller's thread once the token index is in use: the writer, the relay's serial step, only copies it.
        var signature = _tokens.Wanted ? Signature(message) : null;
        var write = new StoreWrite(StoreWriteKind.Message, (connection, _, _) =>
            Indexed((_messageInsert ??= new MessageInsert(connection)).Insert(connection, message), message, signature), message.RawLength)
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
                VALUES ($t, $ip, $helo, $stage, $reply, $reason, $account, $from, $rcpt)
                """;
            var p = insert.Parameters;
            p.AddWithValue("$t", refusal.Time.ToUnixTimeMilliseconds());
            p.AddWithValue("$ip", refusal.ClientIp);
            p.AddWithValue("$helo", (object?)refusal.Helo ?? DBNull.Value);
            p.AddWithValue("$stage", refusal.Stage);
            p.AddWithValue("$reply", refusal.Reply);
            p.AddWithValue("$reason", refusal.Reason);
            p.AddWithValue("$account", (object?)refusal.Account ?? DBNull.Value);
            p.AddWithValue("$from", (object?)refusal.MailFrom ?? DBNull.Value);
            p.AddWithValue("$rcpt", (object?)refusal.Recipient ?? DBNull.Value);
            insert.ExecuteNonQuery();
            self.RowId = raw.sqlite3_last_insert_rowid(connection.Handle!);
        }) { Refusal = refusal });
    }

    /// <inheritdoc />
    public Task FlushAsync(CancellationToken cancellationToken = default) =>
        EnqueueAndWait(new StoreWrite(StoreWriteKind.Flush, static (_, _, _) => { }), cancellationToken);

    /// <inheritdoc />
    public async Task<bool> DeleteMessageAsync(string id, CancellationToken cancellationToken = default)
    {
        var write = new StoreWrite(StoreWriteKind.Delete, (connection, transaction, self) =>
            self.RowsChanged = Execute(connection, "DELETE FROM messages WHERE id = $id", transaction, ("$id", id)));
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
                Execute(connection, "DELETE FROM account_overrides WHERE account = $a AND address = $addr", transaction, ("$a", account), ("$addr", address));
            else
                Execute(connection, """
                    INSERT INTO account_overrides (account, address, state, changed_at) VALUES ($a, $addr, $s, $t)
                    ON CONFLICT (account, address) DO UPDATE SET state = excluded.state, changed_at = excluded.changed_at
                    """, transaction, ("$a", account), ("$addr", address), ("$s", added.Value ? "added" : "removed"), ("$t", now));
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
            var p = command.Parameters;
            var network = p.Add("$n", SqliteType.Text);
            var sender = p.Add("$s", SqliteType.Text);
            var recipient = p.Add("$r", SqliteType.Text);
            if (removed.Count > 0)
            {
                command.CommandText = "DELETE FROM greylist WHERE network = $n AND sender = $s AND recipient = $r";
                foreach (var entry in removed)
                {
                    (network.Value, sender.Value, recipient.Value) = (entry.Network, entry.Sender, entry.Recipient);
                    command.ExecuteNonQuery();
                }
            }
            if (entries.Count == 0) return;
            var first = p.Add("$f", SqliteType.Integer);
            var last = p.Add("$l", SqliteType.Integer);
            var passed = p.Add("$p", SqliteType.Integer);
            command.CommandText = """
                INSERT INTO greylist (network, sender, recipient, first_seen, last_seen, passed) VALUES ($n, $s, $r, $f, $l, $p)
                ON CONFLICT (network, sender, recipient) DO UPDATE SET first_seen = excluded.first_seen, last_seen = excluded.last_seen, passed = excluded.passed
                """;
            foreach (var entry in entries)
            {
                (network.Value, sender.Value, recipient.Value) = (entry.Network, entry.Sender, entry.Recipient);
                (first.Value, last.Value, passed.Value) = (entry.FirstSeen.ToUnixTimeMilliseconds(), entry.LastSeen.ToUnixTimeMilliseconds(), entry.Passed ? 1 : 0);
                command.ExecuteNonQuery();
            }
        }));
    }

    private void Enqueue(StoreWrite write)
    {
        if (!_writes.Writer.TryWrite(write))
            write.Done.TrySetException(new ObjectDisposedException(nameof(SqliteMessageStore), "The store is closed."));
    }

    private async Task EnqueueAndWait(StoreWrite write, CancellationToken cancellationToken)
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
        var writer = _writer!;
        var started = Stopwatch.GetTimestamp();
        var retention = batch.Any(w => w.Kind == StoreWriteKind.Retention) || _time.GetElapsedTime(_lastAgeRetention) >= _options.RetentionInterval;
        var deleted = false;
        try
        {
            // Once per retention interval, recount: rows deleted or added by something other than this relay (an
            // operator's sqlite3, say) would otherwise make count-based retention keep too few or too many.
            if (retention) RefreshCounts(writer);
            using (var transaction = writer.BeginTransaction())
            {
                var added = 0;
                var refused = 0;
                foreach (var write in batch)
                {
                    write.Apply(writer, transaction);
                    switch (write.Kind)
                    {
                        case StoreWriteKind.Message: added++; break;
                        case StoreWriteKind.Refusal: refused++; break;
                        case StoreWriteKind.Delete: added -= write.RowsChanged; break; // applied above, counted after commit
                        case StoreWriteKind.Delivery: added += write.RowsChanged; break;
                    }
                }
                deleted = ApplyRetention(writer, transaction, retention, added, refused) > 0;
                transaction.Commit();
            }
            _metrics.BatchCommitted(batch.Count, Stopwatch.GetElapsedTime(started));
            Completed(batch, deleted);
        }
        catch (SqliteException exception)
        {
            StoreLog.BatchFailed(_logger, batch.Count, exception);
            RefreshCounts(writer);
            foreach (var write in batch) CommitOne(writer, write);
        }
    }

    private void CommitOne(SqliteConnection writer, StoreWrite write)
    {
        try
        {
            using (var transaction = writer.BeginTransaction())
            {
                write.Apply(writer, transaction);
                transaction.Commit();
            }
            Completed([write], deleted: false);
        }
        catch (SqliteException exception)
        {
            StoreLog.WriteFailed(_logger, write.Kind.ToString(), exception);
            _metrics.StoreFailed();
            RefreshCounts(writer);
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
    /// long-running relay, costs one DELETE by rowid per batch instead of counting every row. Returns the messages deleted.
    /// </summary>
    private int ApplyRetention(SqliteConnection connection, SqliteTransaction transaction, bool byAge, int netMessages, int newRefusals)
    {
        int messages = 0, refusals = 0;
        var messagesOver = _messageCount + netMessages - _options.MaxMessages;
        if (_options.MaxMessages > 0 && messagesOver > 0)
            messages += Execute(connection, $"DELETE FROM messages WHERE seq IN (SELECT seq FROM messages m WHERE {NotPending} ORDER BY seq LIMIT $n)", transaction, ("$n", messagesOver + TrimStep(_options.MaxMessages)));
        var refusalsOver = _refusalCount + newRefusals - _options.MaxRefusals;
        if (_options.MaxRefusals > 0 && refusalsOver > 0)
            refusals += Execute(connection, "DELETE FROM refusals WHERE id IN (SELECT id FROM refusals ORDER BY id LIMIT $n)", transaction, ("$n", refusalsOver + TrimStep(_options.MaxRefusals)));
        if (byAge && _options.MaxAge > TimeSpan.Zero)
        {
            var cutoff = (_time.GetUtcNow() - _options.MaxAge).ToUnixTimeMilliseconds();
            messages += Execute(connection, $"DELETE FROM messages AS m WHERE received_at < $c AND {NotPending}", transaction, ("$c", cutoff));
            refusals += Execute(connection, "DELETE FROM refusals WHERE time < $c", transaction, ("$c", cutoff));
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

    private void RefreshCounts(SqliteConnection connection)
    {
        _messageCount = Scalar(connection, "SELECT COUNT(*) FROM messages");
        _refusalCount = Scalar(connection, "SELECT COUNT(*) FROM refusals");
    }

    private static int Execute(SqliteConnection connection, string sql, SqliteTransaction? transaction = null, params (string Name, object Value)[] parameters)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        foreach (var (name, value) in parameters) command.Parameters.AddWithValue(name, value);
        return command.ExecuteNonQuery();
    }

    private static long Scalar(SqliteConnection connection, string sql, SqliteTransaction? transaction = null)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command.ExecuteScalar() is long value ? value : 0;
    }

    /// <summary>Stops taking writes, commits every pending one, and closes the file.</summary>
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
        }
        finally
        {
            _open = false;
            if (_writer is not null)
            {
                _messageInsert?.Dispose();
                _deliveryUpdates?.Dispose();
                Execute(_writer, "PRAGMA wal_checkpoint(TRUNCATE);");
                await _writer.DisposeAsync().ConfigureAwait(false);
                SqliteConnection.ClearAllPools();
                StoreLog.Closed(_logger);
            }
            _openLock.Dispose();
            _closing.Dispose();
        }
    }

    /// <summary>
    /// The message INSERTs, prepared once (SQLITE_PREPARE_PERSISTENT) on the writer's connection and bound by
    /// position through SQLitePCL. Through SqliteCommand every message cost a parameter lookup by name per
    /// parameter and statement, and a UTF-8 array per string; the writer thread is the one serial step of the
    /// relay, so its CPU per message bounds the commit rate. Strings are encoded into one reused buffer.
    /// </summary>
    private sealed class MessageInsert : IDisposable
    {
        private const string MessagesSql = """
            INSERT INTO messages (id, account, client_ip, helo, tls_protocol, tls_cipher, mail_from, mail_from_parameters, recipients,
                size, received_at, subject, message_id, from_header, quarantined, verdict, spf, dkim, dmarc, action, headers,
                recipient_parameters, dsn_of, authenticated_user)
            VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21, ?22, ?23, ?24)
            """;

        private const string DeliverySql = "INSERT INTO deliveries (seq, rcpt, recipient, destination, state, next_attempt, pinned) VALUES (?1, ?2, ?3, ?4, 'queued', ?5, ?6)";

        // A whole message binds its bytes (?2); one in parts reserves ?3 octets and writes them with incremental
        // BLOB I/O, so neither a joined array nor SQLite's bound copy of the whole message is made.
        private const string ContentSql = "INSERT INTO message_content (seq, raw, transcript) VALUES (?1, coalesce(?2, zeroblob(?3)), ?4)";

        private readonly SqliteConnection _connection;
        private readonly sqlite3 _db;
        private readonly sqlite3_stmt _messages;
        private readonly sqlite3_stmt _content;
        private readonly sqlite3_stmt _delivery;
        private const int InitialBuffer = 16 * 1024;
        private const int MaxKeptBuffer = 1024 * 1024;
        private byte[] _utf8 = new byte[InitialBuffer];
        private readonly byte[] _blobBuffer = new byte[64 * 1024];

        public MessageInsert(SqliteConnection connection)
        {
            _connection = connection;
            _db = connection.Handle ?? throw new InvalidOperationException("The writer's connection is not open.");
            _messages = Prepare(_db, MessagesSql);
            _content = Prepare(_db, ContentSql);
            _delivery = Prepare(_db, DeliverySql);
        }

        /// <summary>Inserts <paramref name="message"/> inside the connection's open transaction; returns its row (seq).</summary>
        public long Insert(SqliteConnection on, NewMessage message)
        {
            if (!ReferenceEquals(on, _connection)) throw new InvalidOperationException("The prepared insert belongs to another connection.");
            var m = message.Metadata;
            var s = _messages;
            try
            {
                Text(s, 1, m.Id);
                Text(s, 2, m.Account);
                Text(s, 3, m.ClientIp);
                Text(s, 4, m.Helo);
                Text(s, 5, m.TlsProtocol);
                Text(s, 6, m.TlsCipher);
                Text(s, 7, m.MailFrom);
                Text(s, 8, m.MailFromParameters);
                Text(s, 9, string.Join('\n', m.Recipients));
                Check(raw.sqlite3_bind_int64(s, 10, m.Size));
                Check(raw.sqlite3_bind_int64(s, 11, m.ReceivedAt.ToUnixTimeMilliseconds()));
                Text(s, 12, m.Subject);
                Text(s, 13, m.MessageId);
                Text(s, 14, m.From);
                Check(raw.sqlite3_bind_int64(s, 15, m.Quarantined ? 1 : 0));
                Text(s, 16, m.VerdictJson);
                Text(s, 17, m.Spf);
                Text(s, 18, m.Dkim);
                Text(s, 19, m.Dmarc);
                Text(s, 20, m.Action);
                Text(s, 21, message.HeaderText);
                Text(s, 22, m.RecipientParametersText());
                Text(s, 23, m.DsnOf);
                Text(s, 24, m.AuthenticatedUser);
                Step(s);
            }
            finally
            {
                raw.sqlite3_reset(s);
                raw.sqlite3_clear_bindings(s);
            }

            var seq = raw.sqlite3_last_insert_rowid(_db);
            var tail = message.RawTail;
            var c = _content;
            try
            {
                Check(raw.sqlite3_bind_int64(c, 1, seq));
                if (tail is null)
                {
                    // An empty span would bind NULL; the zeroblob arm then stores the same empty value.
                    Check(raw.sqlite3_bind_blob(c, 2, message.Raw));
                    Check(raw.sqlite3_bind_null(c, 3));
                }
                else
                {
                    Check(raw.sqlite3_bind_null(c, 2));
                    Check(raw.sqlite3_bind_int64(c, 3, message.RawLength));
                }
                Text(c, 4, message.Transcript);
                Step(c);
            }
            finally
            {
                raw.sqlite3_reset(c);
                raw.sqlite3_clear_bindings(c); // SQLite would keep its copy of the message until the next one
            }

            if (tail is not null)
            {
                tail.Position = message.RawTailStart;
                WriteBlob(seq, message.Raw, tail);
            }
            foreach (var job in message.Outbound) InsertDeliveries(seq, job);
            if (_utf8.Length > MaxKeptBuffer) _utf8 = new byte[InitialBuffer]; // one huge header need not stay allocated
            return seq;
        }

        /// <summary>Inserts the queue rows of <paramref name="job"/> for the message at <paramref name="seq"/> (state queued) and sets its seq.</summary>
        public void InsertDeliveries(long seq, OutboundJob job)
        {
            job.Seq = seq;
            var d = _delivery;
            foreach (var recipient in job.Recipients)
            {
                try
                {
                    Check(raw.sqlite3_bind_int64(d, 1, seq));
                    Check(raw.sqlite3_bind_int64(d, 2, recipient.Index));
                    Text(d, 3, recipient.Address);
                    Text(d, 4, job.Destination);
                    Check(raw.sqlite3_bind_int64(d, 5, recipient.NextAttempt.ToUnixTimeMilliseconds()));
                    Check(raw.sqlite3_bind_int64(d, 6, job.Pinned ? 1 : 0));
                    Step(d);
                }
                finally
                {
                    raw.sqlite3_reset(d);
                    raw.sqlite3_clear_bindings(d);
                }
            }
        }

        public void Dispose()
        {
            _messages.Dispose();
            _content.Dispose();
            _delivery.Dispose();
        }

        private void WriteBlob(long seq, byte[] head, Stream tail)
        {
            Check(raw.sqlite3_blob_open(_db, utf8z.FromSpan("main\0"u8), utf8z.FromSpan("message_content\0"u8), utf8z.FromSpan("raw\0"u8), seq, 1, out var blob));
            using (blob)
            {
                var offset = 0;
                Check(raw.sqlite3_blob_write(blob, head, offset));
                offset += head.Length;
                // The tail in pieces of one reused buffer: a message spooled to disk is never whole in memory.
                int read;
                while ((read = tail.Read(_blobBuffer)) > 0)
                {
                    Check(raw.sqlite3_blob_write(blob, _blobBuffer.AsSpan(0, read), offset));
                    offset += read;
                }
                Check(raw.sqlite3_blob_close(blob));
            }
        }

        private void Text(sqlite3_stmt statement, int index, string? value)
        {
            if (value is null)
            {
                Check(raw.sqlite3_bind_null(statement, index));
                return;
            }
            if (value.Length == 0)
            {
                Check(raw.sqlite3_bind_text(statement, index, utf8z.FromSpan("\0"u8))); // an empty span would bind NULL
                return;
            }
            // UTF-8 here (vectorized) rather than UTF-16 for SQLite to translate byte by byte; SQLite copies the bytes.
            var needed = Encoding.UTF8.GetMaxByteCount(value.Length);
            if (_utf8.Length < needed) _utf8 = new byte[Math.Max(needed, 2 * _utf8.Length)];
            var length = Encoding.UTF8.GetBytes(value, _utf8);
            Check(raw.sqlite3_bind_text(statement, index, _utf8.AsSpan(0, length)));
        }

        private void Step(sqlite3_stmt statement) => Expect(_db, raw.sqlite3_step(statement), raw.SQLITE_DONE);

        private void Check(int rc) => Expect(_db, rc, raw.SQLITE_OK);

        private static sqlite3_stmt Prepare(sqlite3 db, string sql)
        {
            Expect(db, raw.sqlite3_prepare_v3(db, sql, raw.SQLITE_PREPARE_PERSISTENT, out var statement), raw.SQLITE_OK);
            return statement;
        }

        /// <summary>Raises SQLite's error for <paramref name="rc"/> as Microsoft.Data.Sqlite would (the batch falls back to one write at a time on it).</summary>
        private static void Expect(sqlite3 db, int rc, int expected)
        {
            if (rc != expected) SqliteException.ThrowExceptionForRC(rc, db);
        }
    }
}
