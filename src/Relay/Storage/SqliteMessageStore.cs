using System.Data.Common;
using System.Text;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SQLitePCL;
using SmarthostLab.Relay.Configuration;
using SmarthostLab.Relay.Diagnostics;

namespace SmarthostLab.Relay.Storage;

/// <summary>
/// <see cref="MessageStore"/> on one SQLite file (WAL, synchronous=FULL), the default provider: the single writer's
/// commits are one fsync each, reads use pooled read-only connections (WAL readers never block the writer). One
/// relay per file: its queue rows are all its own.
/// </summary>
public sealed class SqliteMessageStore : MessageStore
{
    private string _readConnectionString = "";
    private MessageInsert? _messageInsert; // the writer's prepared statements, used by the writer thread only

    /// <summary>Creates the store; <see cref="MessageStore.OpenAsync"/> opens it.</summary>
    public SqliteMessageStore(IOptions<StoreOptions> options, TimeProvider time, RelayMetrics metrics, ILogger<SqliteMessageStore> logger)
        : base(options.Value, time, metrics, logger)
    {
        DatabasePath = Path.GetFullPath(Path.Combine(_options.DataFolder, _options.FileName));
    }

    /// <summary>Full path of the SQLite file.</summary>
    public string DatabasePath { get; }

    /// <inheritdoc />
    public override string Location => DatabasePath;

    /// <summary>Creates the data folder and file if needed, sets WAL and FULL sync, and applies the migrations.</summary>
    private protected override DbConnection OpenWriter()
    {
        Directory.CreateDirectory(Path.GetDirectoryName(DatabasePath)!);
        var builder = new SqliteConnectionStringBuilder { DataSource = DatabasePath, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = false };
        var writer = new SqliteConnection(builder.ToString());
        try
        {
            writer.Open();
            // 16 KiB pages for a new file (an existing one keeps its size): a stored message is a few KiB, so several
            // share a page and a group commit writes fewer WAL frames (and pwrite calls) per message.
            Execute(writer, "PRAGMA page_size=16384; PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA busy_timeout=10000;");
            foreach (var version in SchemaMigrator.Migrate(writer, _time, SchemaMigrator.SqliteScripts)) StoreLog.Migrated(_logger, version);
        }
        catch
        {
            writer.Dispose();
            throw;
        }
        _readConnectionString = new SqliteConnectionStringBuilder { DataSource = DatabasePath, Mode = SqliteOpenMode.ReadOnly, Pooling = true }.ToString();
        return writer;
    }

    private protected override DbConnection NewReadConnection() => new SqliteConnection(_readConnectionString);

    private protected override void InsertMessages(DbConnection connection, DbTransaction transaction, IReadOnlyList<NewMessage> messages, Span<long> seqs)
    {
        var insert = _messageInsert ??= new MessageInsert((SqliteConnection)connection);
        for (var i = 0; i < messages.Count; i++) seqs[i] = insert.Insert((SqliteConnection)connection, messages[i]);
    }

    private protected override void InsertDeliveries(DbConnection connection, DbTransaction transaction, long seq, OutboundJob job) =>
        (_messageInsert ??= new MessageInsert((SqliteConnection)connection)).InsertDeliveries(seq, job);

    /// <summary>SQLite's LIKE ignores ASCII case already.</summary>
    private protected override string LikeOperator => "LIKE";

    private protected override string EqualsIgnoringCase(string column, string parameter) => $"{column} = {parameter} COLLATE NOCASE";

    private protected override void AddCandidates(DbCommand command, StringBuilder where, List<long> seqs, long floor)
    {
        var list = new StringBuilder(seqs.Count * 8 + 2).Append('[');
        for (var i = 0; i < seqs.Count; i++) list.Append(i == 0 ? "" : ",").Append(seqs[i].ToString(System.Globalization.CultureInfo.InvariantCulture));
        where.Append(" AND seq IN (SELECT value FROM json_each(@candidates) UNION ALL SELECT seq FROM messages WHERE seq < @floor)");
        command.Add("@candidates", list.Append(']').ToString());
        command.Add("@floor", floor);
    }

    /// <summary>The fault rule names ignore case (the column's collation).</summary>
    private protected override string FaultRuleConflict => "name";

    private protected override void Closing(DbConnection writer)
    {
        _messageInsert?.Dispose();
        Execute(writer, "PRAGMA wal_checkpoint(TRUNCATE);");
    }

    private protected override void ClearPools() => SqliteConnection.ClearAllPools();

    /// <summary>SQLite's plan of <see cref="MessageStore.QueryMessagesAsync"/>'s page statement, one line per step (tests: that a page is read by key).</summary>
    internal async Task<IReadOnlyList<string>> ExplainPageAsync(MessageQuery query)
    {
        await using var connection = await OpenReaderAsync(CancellationToken.None).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "EXPLAIN QUERY PLAN " + PageSql(command, query, Where(command, query, among: null));
        return await PlanAsync(command).ConfigureAwait(false);
    }

    /// <summary>SQLite's plan of <see cref="MessageStore.FindMessageAsync"/>'s statement, one line per step (tests: that it reads rows by key).</summary>
    internal async Task<IReadOnlyList<string>> ExplainFindAsync(MessageQuery query, IReadOnlyCollection<string>? among = null)
    {
        await using var connection = await OpenReaderAsync(CancellationToken.None).ConfigureAwait(false);
        await using var command = FindCommand(connection, query, among);
        command.CommandText = "EXPLAIN QUERY PLAN " + command.CommandText;
        return await PlanAsync(command).ConfigureAwait(false);
    }

    private static async Task<IReadOnlyList<string>> PlanAsync(DbCommand command)
    {
        var plan = new List<string>();
        await using var reader = await command.ExecuteReaderAsync().ConfigureAwait(false);
        while (await reader.ReadAsync().ConfigureAwait(false)) plan.Add(reader.GetString(3));
        return plan;
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
