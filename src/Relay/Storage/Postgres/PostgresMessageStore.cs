using System.Data.Common;
using System.Text;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using SmarthostLab.Relay.Configuration;
using SmarthostLab.Relay.Diagnostics;

namespace SmarthostLab.Relay.Storage.Postgres;

/// <summary>
/// <see cref="MessageStore"/> on PostgreSQL (issue 18, <c>Store:Provider=Postgres</c>): the same single writer and
/// group commit as SQLite (a 250 once the batch's COMMIT returned, with synchronous_commit on), its own schema scripts
/// (Storage/Postgres/Schema), and what lets several relays share one database: each commit tells the others what it
/// stored (NOTIFY, <see cref="PostgresMessageStore"/>.Notify.cs), and queue rows belong to one relay at a time
/// (claims, heartbeats and the sweep, .Queue.cs).
/// </summary>
public sealed partial class PostgresMessageStore : MessageStore
{
    private readonly string _writerConnectionString;
    private readonly string _listenConnectionString;
    private readonly NpgsqlDataSource _readers;
    private MessageInsert? _insert; // the writer's statements, used by the writer thread only

    /// <summary>Creates the store; <see cref="MessageStore.OpenAsync"/> opens it.</summary>
    public PostgresMessageStore(IOptions<StoreOptions> options, TimeProvider time, RelayMetrics metrics, ILogger<PostgresMessageStore> logger)
        : base(options.Value, time, metrics, logger)
    {
        var builder = new NpgsqlConnectionStringBuilder(_options.ConnectionString);
        if (string.IsNullOrEmpty(builder.ApplicationName)) builder.ApplicationName = "smarthostlab-relay";
        // Statements run again and again are prepared by Npgsql on each connection after their second use.
        if (builder.MaxAutoPrepare == 0) builder.MaxAutoPrepare = 64;
        builder.AutoPrepareMinUsages = 2;
        Location = $"{builder.Host}:{builder.Port}/{builder.Database ?? builder.Username}";
        _readers = new NpgsqlDataSourceBuilder(builder.ConnectionString).Build();
        builder.Pooling = false; // the writer's and the listener's connections stay open for the relay's life
        _writerConnectionString = builder.ConnectionString;
        if (builder.KeepAlive == 0) builder.KeepAlive = 15; // a dead server is noticed while the listener only waits
        _listenConnectionString = builder.ConnectionString;
        NodeId = string.IsNullOrWhiteSpace(_options.NodeId) ? $"{Environment.MachineName}-{Environment.ProcessId}" : _options.NodeId.Trim();
    }

    /// <summary>This relay's name in the nodes table and in the queue rows it owns (Store:NodeId).</summary>
    public string NodeId { get; }

    /// <inheritdoc />
    public override string Location { get; }

    /// <summary>Opens the writer's connection (synchronous_commit on) and applies the migrations under an advisory lock, so relays starting together migrate once.</summary>
    private protected override DbConnection OpenWriter()
    {
        var writer = OpenWriterConnection();
        try
        {
            Execute(writer, "SELECT pg_advisory_lock(@key)", null, ("@key", MigrationLock));
            try
            {
                foreach (var version in SchemaMigrator.Migrate(writer, _time, SchemaMigrator.PostgresScripts)) StoreLog.Migrated(_logger, version);
            }
            finally
            {
                Execute(writer, "SELECT pg_advisory_unlock(@key)", null, ("@key", MigrationLock));
            }
            Heartbeat(writer, null);
        }
        catch
        {
            writer.Dispose();
            throw;
        }
        return writer;
    }

    /// <summary>The advisory lock relays take while they migrate ("SHL-MIGR").</summary>
    private const long MigrationLock = 0x53484C2D4D494752;

    private NpgsqlConnection OpenWriterConnection()
    {
        var writer = new NpgsqlConnection(_writerConnectionString);
        try
        {
            writer.Open();
            // Durable before the 250: the COMMIT returns once the WAL is flushed (the server's default, made sure of here).
            Execute(writer, "SET synchronous_commit = on");
        }
        catch
        {
            writer.Dispose();
            throw;
        }
        return writer;
    }

    /// <summary>A writer connection the server dropped (a restart, a failover) is replaced before the next batch.</summary>
    private protected override DbConnection Usable(DbConnection writer)
    {
        if (writer.State == System.Data.ConnectionState.Open) return writer;
        writer.Dispose();
        _insert = null;
        _readers.Clear(); // cut with it, most likely (see the listener)
        StoreLog.WriterReconnecting(_logger, Location);
        return OpenWriterConnection();
    }

    private protected override DbConnection NewReadConnection() => _readers.CreateConnection();

    private protected override void InsertMessages(DbConnection connection, DbTransaction transaction, IReadOnlyList<NewMessage> messages, Span<long> seqs) =>
        Insert(connection).Messages((NpgsqlTransaction)transaction, messages, seqs);

    private protected override void InsertDeliveries(DbConnection connection, DbTransaction transaction, long seq, OutboundJob job) =>
        Insert(connection).Deliveries((NpgsqlTransaction)transaction, seq, job);

    private MessageInsert Insert(DbConnection connection)
    {
        if (_insert?.Connection != connection) _insert = new MessageInsert((NpgsqlConnection)connection, NodeId);
        return _insert;
    }

    /// <summary>PostgreSQL's LIKE respects case; SQLite's, which the filters were written for, does not.</summary>
    private protected override string LikeOperator => "ILIKE";

    private protected override string EqualsIgnoringCase(string column, string parameter) => $"lower({column}) = lower({parameter})";

    private protected override void AddCandidates(DbCommand command, StringBuilder where, List<long> seqs, long floor)
    {
        where.Append(" AND (seq = ANY(@candidates) OR seq < @floor)");
        ((NpgsqlCommand)command).Parameters.Add(new NpgsqlParameter<long[]>("candidates", [.. seqs]));
        command.Add("@floor", floor);
    }

    /// <summary>The unique index on lower(name) (migration 0001).</summary>
    private protected override string FaultRuleConflict => "(lower(name))";

    private protected override void ClearPools() => _readers.Dispose();

    /// <summary>
    /// The writer's INSERTs. A message is one statement: its row, its bytes and its queue rows (owned by this relay
    /// from the start). The messages of a batch go to the server as one <see cref="NpgsqlBatch"/>, one round trip for
    /// them all instead of one each (docs/SCALE.md, "The round trip sets a ceiling per node"); the statements run in
    /// order, so the seqs ascend in arrival order, and a failing one (a duplicate id) aborts the transaction, after which
    /// the writer commits the batch's writes again one at a time.
    /// </summary>
    private sealed class MessageInsert(NpgsqlConnection connection, string node)
    {
        /// <summary>Message octets one round trip carries at most (besides its first message): bounds the arrays held at once.</summary>
        private const long MaxRoundTripBytes = 8 * 1024 * 1024;

        private const string MessageSql = """
            WITH m AS (
                INSERT INTO messages (id, account, client_ip, helo, tls_protocol, tls_cipher, mail_from, mail_from_parameters, recipients,
                    size, received_at, subject, message_id, from_header, quarantined, verdict, spf, dkim, dmarc, action, headers,
                    recipient_parameters, dsn_of, authenticated_user)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24)
                RETURNING seq),
            c AS (INSERT INTO message_content (seq, raw, transcript) SELECT seq, $25, $26 FROM m),
            d AS (
                INSERT INTO deliveries (seq, rcpt, recipient, destination, state, next_attempt, pinned, claimed_by)
                SELECT m.seq, r.rcpt, r.recipient, r.destination, 'queued', r.next_attempt, r.pinned, $27
                FROM m, unnest($28::bigint[], $29::text[], $30::text[], $31::bigint[], $32::bigint[]) AS r (rcpt, recipient, destination, next_attempt, pinned))
            SELECT seq FROM m
            """;

        private const string DeliverySql = """
            INSERT INTO deliveries (seq, rcpt, recipient, destination, state, next_attempt, pinned, claimed_by)
            SELECT $1, r.rcpt, r.recipient, $2, 'queued', r.next_attempt, $3, $4
            FROM unnest($5::bigint[], $6::text[], $7::bigint[]) AS r (rcpt, recipient, next_attempt)
            """;

        public NpgsqlConnection Connection { get; } = connection;

        /// <summary>Inserts <paramref name="messages"/> in their order with their queue rows; sets <paramref name="seqs"/> and each job's seq.</summary>
        public void Messages(NpgsqlTransaction transaction, IReadOnlyList<NewMessage> messages, Span<long> seqs)
        {
            for (var start = 0; start < messages.Count;)
            {
                using var batch = new NpgsqlBatch(Connection, transaction);
                var end = start;
                long bytes = 0;
                while (end < messages.Count && (end == start || bytes + messages[end].RawLength <= MaxRoundTripBytes))
                {
                    bytes += messages[end].RawLength;
                    batch.BatchCommands.Add(Message(messages[end++]));
                }
                using (var reader = batch.ExecuteReader())
                {
                    for (var i = start; i < end; i++)
                    {
                        if (i > start) reader.NextResult();
                        reader.Read();
                        seqs[i] = reader.GetInt64(0);
                    }
                }
                for (var i = start; i < end; i++)
                    foreach (var job in messages[i].Outbound) job.Seq = seqs[i];
                start = end;
            }
        }

        private NpgsqlBatchCommand Message(NewMessage message)
        {
            var m = message.Metadata;
            var command = new NpgsqlBatchCommand(MessageSql);
            var p = command.Parameters;
            p.Add(Text(m.Id));
            p.Add(Text(m.Account));
            p.Add(Text(m.ClientIp));
            p.Add(Text(m.Helo));
            p.Add(Text(m.TlsProtocol));
            p.Add(Text(m.TlsCipher));
            p.Add(Text(m.MailFrom));
            p.Add(Text(m.MailFromParameters));
            p.Add(Text(string.Join('\n', m.Recipients)));
            p.Add(new NpgsqlParameter<long> { TypedValue = m.Size });
            p.Add(new NpgsqlParameter<long> { TypedValue = m.ReceivedAt.ToUnixTimeMilliseconds() });
            p.Add(Text(m.Subject));
            p.Add(Text(m.MessageId));
            p.Add(Text(m.From));
            p.Add(new NpgsqlParameter<long> { TypedValue = m.Quarantined ? 1 : 0 });
            p.Add(Text(m.VerdictJson));
            p.Add(Text(m.Spf));
            p.Add(Text(m.Dkim));
            p.Add(Text(m.Dmarc));
            p.Add(Text(m.Action));
            p.Add(Text(message.HeaderText));
            p.Add(Text(m.RecipientParametersText()));
            p.Add(Text(m.DsnOf));
            p.Add(Text(m.AuthenticatedUser));
            p.Add(new NpgsqlParameter<byte[]> { NpgsqlDbType = NpgsqlDbType.Bytea, TypedValue = Bytes(message) });
            p.Add(Text(message.Transcript));
            // Its queue rows, one array element per recipient across its destinations (empty in Store mode).
            var rows = message.Outbound.SelectMany(job => job.Recipients.Select(r => (Job: job, Recipient: r))).ToArray();
            p.Add(Text(node));
            p.Add(new NpgsqlParameter<long[]> { TypedValue = [.. rows.Select(r => (long)r.Recipient.Index)] });
            p.Add(new NpgsqlParameter<string[]> { TypedValue = [.. rows.Select(r => Clean(r.Recipient.Address))] });
            p.Add(new NpgsqlParameter<string[]> { TypedValue = [.. rows.Select(r => Clean(r.Job.Destination))] });
            p.Add(new NpgsqlParameter<long[]> { TypedValue = [.. rows.Select(r => r.Recipient.NextAttempt.ToUnixTimeMilliseconds())] });
            p.Add(new NpgsqlParameter<long[]> { TypedValue = [.. rows.Select(r => r.Job.Pinned ? 1L : 0L)] });
            return command;
        }

        public void Deliveries(NpgsqlTransaction transaction, long seq, OutboundJob job)
        {
            job.Seq = seq;
            if (job.Recipients.Count == 0) return;
            using var command = new NpgsqlCommand(DeliverySql, Connection, transaction);
            var p = command.Parameters;
            p.Add(new NpgsqlParameter<long> { TypedValue = seq });
            p.Add(Text(job.Destination));
            p.Add(new NpgsqlParameter<long> { TypedValue = job.Pinned ? 1 : 0 });
            p.Add(Text(node));
            p.Add(new NpgsqlParameter<long[]> { TypedValue = [.. job.Recipients.Select(r => (long)r.Index)] });
            p.Add(new NpgsqlParameter<string[]> { TypedValue = [.. job.Recipients.Select(r => Clean(r.Address))] });
            p.Add(new NpgsqlParameter<long[]> { TypedValue = [.. job.Recipients.Select(r => r.NextAttempt.ToUnixTimeMilliseconds())] });
            command.ExecuteNonQuery();
        }

        /// <summary>The stored bytes as one array: <see cref="NewMessage.Raw"/> and its tail, read from where the tail starts.</summary>
        private static byte[] Bytes(NewMessage message)
        {
            if (message.RawTail is not { } tail) return message.Raw;
            var bytes = new byte[message.RawLength];
            message.Raw.CopyTo(bytes, 0);
            tail.Position = message.RawTailStart;
            tail.ReadExactly(bytes, message.Raw.Length, bytes.Length - message.Raw.Length);
            return bytes;
        }

        private static NpgsqlParameter Text(string? value) => new() { NpgsqlDbType = NpgsqlDbType.Text, Value = value is null ? DBNull.Value : Clean(value) };
    }

    /// <summary>PostgreSQL text cannot hold NUL: a NUL that reached a header or the transcript is stored as U+FFFD (the bytes stay exact).</summary>
    internal static string Clean(string value) => value.Contains('\0', StringComparison.Ordinal) ? value.Replace('\0', '\uFFFD') : value;
}
