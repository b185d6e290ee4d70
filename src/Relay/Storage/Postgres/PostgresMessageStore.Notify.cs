using System.Data.Common;
using System.Globalization;
using System.Text;
using System.Threading.Channels;
using Npgsql;

namespace SmarthostLab.Relay.Storage.Postgres;

/// <summary>
/// Cross-relay commits (issue 18): every relay's API sees every message, and a wait on one relay is woken by a message
/// another accepted. Each batch that stores messages or refusals, changes delivery state or deletes sends a NOTIFY on
/// <see cref="Channel"/> inside its transaction (PostgreSQL delivers it on commit, never for a rollback) naming its
/// rows. Each relay LISTENs on a connection of its own (reconnected when lost); for a notification of another relay
/// it reads those rows and hands them to its writer as a <see cref="StoreWriteKind.Remote"/> write, which runs them
/// through the token index, the open waits and the live feed exactly as its own commits.
/// <para>
/// The payload names rows, not a range: two relays' seqs interleave and commit out of order, so "rows above the last
/// seen" could miss one committed late. Only after a lost listening connection, when notifications may have been
/// missed, does the relay read the rows above the newest it knows, and wakes every wait that watches a row.
/// </para>
/// </summary>
public sealed partial class PostgresMessageStore
{
    /// <summary>The LISTEN/NOTIFY channel.</summary>
    internal const string Channel = "smarthostlab_commits";

    /// <summary>Payloads stay under PostgreSQL's limit of 8000 bytes; a larger batch sends several.</summary>
    private const int MaxPayload = 7000;

    /// <summary>Rows read per catch-up after a reconnection, at most.</summary>
    private const int CatchUpLimit = 10_000;

    private readonly List<long> _inserted = []; // message rows of the batch being written; writer thread only
    private readonly Channel<string?> _notifications = System.Threading.Channels.Channel.CreateUnbounded<string?>(new UnboundedChannelOptions { SingleReader = true });
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Task _listener = Task.CompletedTask;
    private Task _remote = Task.CompletedTask;
    private long _newestSeq; // the newest message row this relay knows of (its own or another's)

    private protected override void Inserted(long seq)
    {
        _inserted.Add(seq);
        InterlockedMax(ref _newestSeq, seq);
    }

    /// <summary>A failed batch is written again one write at a time: the rows it inserted before the failure were never committed.</summary>
    private protected override void RolledBack() => _inserted.Clear();

    /// <summary>Starts listening before the store counts as open, so no commit after the open goes unseen.</summary>
    private protected override async Task OpeningAsync(CancellationToken cancellationToken)
    {
        await using (var connection = NewReadConnection())
        {
            await connection.OpenAsync(cancellationToken).ConfigureAwait(false);
            _newestSeq = Scalar(connection, "SELECT COALESCE(MAX(seq), 0) FROM messages");
        }
        _listener = Task.Run(() => ListenAsync(_closing.Token), CancellationToken.None);
        _remote = Task.Run(() => ReadRemoteAsync(_closing.Token), CancellationToken.None);
        await _listening.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>On the writer, inside the batch's transaction: tells the other relays what it commits.</summary>
    private protected override void BeforeCommit(DbConnection connection, DbTransaction transaction, IReadOnlyList<StoreWrite> batch, int deleted)
    {
        var delivery = new HashSet<long>();
        var refusals = new List<long>();
        foreach (var write in batch)
        {
            if (write.Kind == StoreWriteKind.Remote) continue;
            delivery.UnionWith(write.DeliveryChanged);
            if (write.Kind == StoreWriteKind.Refusal) refusals.Add(write.RowId);
        }
        if (_inserted.Count == 0 && delivery.Count == 0 && refusals.Count == 0 && deleted == 0) return;
        var payloads = Payloads(NodeId, _inserted, delivery, refusals, deleted);
        _inserted.Clear();
        using var notify = connection.CreateCommand();
        notify.Transaction = transaction;
        notify.CommandText = $"SELECT pg_notify('{Channel}', @p)";
        var p = notify.Add("@p", System.Data.DbType.String);
        foreach (var payload in payloads)
        {
            p.Value = payload;
            notify.ExecuteNonQuery();
        }
    }

    /// <summary>
    /// The notifications of one commit: lines "node", "M seq,…" (messages stored), "D seq,…" (delivery changed),
    /// "R id,…" (refusals), "X n" (messages deleted); split into several under <see cref="MaxPayload"/> characters.
    /// </summary>
    internal static List<string> Payloads(string node, IEnumerable<long> messages, IEnumerable<long> delivery, IEnumerable<long> refusals, int deleted)
    {
        var payloads = new List<string>();
        var current = new StringBuilder();
        void Start()
        {
            current.Clear().Append(node);
        }
        void Item(char kind, long value)
        {
            var text = value.ToString(CultureInfo.InvariantCulture);
            if (current.Length + text.Length + 3 > MaxPayload)
            {
                payloads.Add(current.ToString());
                Start();
            }
            current.Append('\n').Append(kind).Append(' ').Append(text);
        }
        Start();
        foreach (var seq in messages) Item('M', seq);
        foreach (var seq in delivery) Item('D', seq);
        foreach (var id in refusals) Item('R', id);
        if (deleted > 0) Item('X', deleted);
        payloads.Add(current.ToString());
        return payloads;
    }

    /// <summary>The listening connection: LISTEN, then wait for notifications; on a lost connection, reconnect and catch up.</summary>
    private async Task ListenAsync(CancellationToken stop)
    {
        var connected = false;
        while (!stop.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(_listenConnectionString);
                await connection.OpenAsync(stop).ConfigureAwait(false);
                connection.Notification += (_, e) => _notifications.Writer.TryWrite(e.Payload);
                await using (var listen = new NpgsqlCommand($"LISTEN {Channel}", connection))
                    await listen.ExecuteNonQueryAsync(stop).ConfigureAwait(false);
                // Reconnected: what the others committed while nobody listened is read from the rows (null: catch up).
                if (connected) _notifications.Writer.TryWrite(null);
                connected = true;
                _listening.TrySetResult();
                while (true) await connection.WaitAsync(stop).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception) when (exception is NpgsqlException or IOException or System.Net.Sockets.SocketException or TimeoutException or InvalidOperationException)
            {
                if (!connected) _listening.TrySetException(exception);
                StoreLog.ListenerFailed(_logger, Location, exception);
                // The listener is the canary: its connection is cut when the server restarts, fails over or kills
                // backends, and then the idle pooled read connections are dead too; the next reads open new ones.
                _readers.Clear();
                try
                {
                    await Task.Delay(TimeSpan.FromSeconds(1), _time, stop).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    /// <summary>Reads the rows the notifications name (all that arrived together in one go) and hands them to the writer.</summary>
    private async Task ReadRemoteAsync(CancellationToken stop)
    {
        var reader = _notifications.Reader;
        try
        {
            while (await reader.WaitToReadAsync(stop).ConfigureAwait(false))
            {
                var messages = new HashSet<long>();
                var delivery = new HashSet<long>();
                var refusals = new HashSet<long>();
                var deleted = 0;
                var catchUp = false;
                while (reader.TryRead(out var payload))
                {
                    if (payload is null) catchUp = true;
                    else Parse(payload, messages, delivery, refusals, ref deleted);
                }
                try
                {
                    await HandRemoteAsync(messages, delivery, refusals, deleted, catchUp, stop).ConfigureAwait(false);
                }
                catch (Exception exception) when (exception is DbException or IOException or InvalidOperationException or TimeoutException)
                {
                    StoreLog.RemoteReadFailed(_logger, exception);
                }
            }
        }
        catch (OperationCanceledException) when (stop.IsCancellationRequested)
        {
        }
    }

    /// <summary>Adds what one payload names, unless this relay sent it.</summary>
    private void Parse(string payload, HashSet<long> messages, HashSet<long> delivery, HashSet<long> refusals, ref int deleted)
    {
        var lines = payload.Split('\n');
        if (lines.Length == 0 || lines[0] == NodeId) return;
        foreach (var line in lines.AsSpan(1))
        {
            if (line.Length < 3 || !long.TryParse(line.AsSpan(2), NumberStyles.None, CultureInfo.InvariantCulture, out var value)) continue;
            switch (line[0])
            {
                case 'M': messages.Add(value); break;
                case 'D': delivery.Add(value); break;
                case 'R': refusals.Add(value); break;
                case 'X': deleted += (int)Math.Min(value, int.MaxValue); break;
            }
        }
    }

    private async Task HandRemoteAsync(HashSet<long> messages, HashSet<long> delivery, HashSet<long> refusals, int deleted, bool catchUp, CancellationToken stop)
    {
        if (messages.Count == 0 && refusals.Count == 0 && delivery.Count == 0 && deleted == 0 && !catchUp) return;
        var writes = new List<StoreWrite>();
        // With N relays every message would be read N - 1 times: only when something here needs the rows. A wait opened
        // after this look searches the table itself and finds them (they were committed before the notification).
        if (messages.Count > 0 && !catchUp && Waiters.IsEmpty && !_tokens.Wanted && Feed is not { IsActive: true })
        {
            writes.Add(new StoreWrite(StoreWriteKind.Remote, static (_, _, _) => { }) { Uncounted = messages.Count });
            InterlockedMax(ref _newestSeq, messages.Max()); // known, so a catch-up does not count them again
            messages.Clear();
        }
        if (messages.Count > 0 || catchUp || refusals.Count > 0)
        {
            await using var connection = await OpenReaderAsync(stop).ConfigureAwait(false);
            await using (var command = connection.CreateCommand())
            {
                var queued = "CASE WHEN EXISTS (SELECT 1 FROM deliveries d WHERE d.seq = messages.seq) THEN 1 ELSE 0 END";
                if (catchUp)
                {
                    command.CommandText = $"SELECT {MessageColumns}, headers, {queued} FROM messages WHERE seq > @newest OR seq = ANY(@seqs) ORDER BY seq LIMIT {CatchUpLimit}";
                    command.Add("@newest", Interlocked.Read(ref _newestSeq));
                }
                else command.CommandText = $"SELECT {MessageColumns}, headers, {queued} FROM messages WHERE seq = ANY(@seqs) ORDER BY seq";
                ((NpgsqlCommand)command).Parameters.Add(new NpgsqlParameter<long[]>("seqs", [.. messages]));
                if (messages.Count > 0 || catchUp)
                {
                    await using var reader = await command.ExecuteReaderAsync(stop).ConfigureAwait(false);
                    while (await reader.ReadAsync(stop).ConfigureAwait(false))
                    {
                        var stored = ReadMessage(reader);
                        var message = new NewMessage(stored, [], "", reader.GetString(24));
                        var signature = _tokens.Wanted ? Signature(message) : null;
                        InterlockedMax(ref _newestSeq, stored.Seq);
                        writes.Add(new StoreWrite(StoreWriteKind.Remote, (_, _, _) => IndexRemote(stored.Seq, message, signature))
                        {
                            Messages = [new CommittedMessage(message, signature)],
                            QueuedElsewhere = reader.GetInt32(25) != 0,
                        });
                    }
                }
            }
            if (refusals.Count > 0)
            {
                await using var command = connection.CreateCommand();
                command.CommandText = "SELECT id, time, client_ip, helo, stage, reply, reason, account, mail_from, recipient FROM refusals WHERE id = ANY(@ids) ORDER BY id";
                ((NpgsqlCommand)command).Parameters.Add(new NpgsqlParameter<long[]>("ids", [.. refusals]));
                await using var reader = await command.ExecuteReaderAsync(stop).ConfigureAwait(false);
                while (await reader.ReadAsync(stop).ConfigureAwait(false))
                {
                    var refusal = ReadRefusal(reader);
                    writes.Add(new StoreWrite(StoreWriteKind.Remote, static (_, _, _) => { }) { Refusal = refusal, RowId = refusal.Id });
                }
            }
        }
        if (delivery.Count > 0 || deleted > 0 || catchUp)
            writes.Add(new StoreWrite(StoreWriteKind.Remote, static (_, _, _) => { }) { DeliveryChanged = delivery, RowsChanged = deleted, Resync = catchUp });
        foreach (var write in writes) Enqueue(write);
    }

    private static void InterlockedMax(ref long target, long value)
    {
        var current = Interlocked.Read(ref target);
        while (value > current)
        {
            var seen = Interlocked.CompareExchange(ref target, value, current);
            if (seen == current) return;
            current = seen;
        }
    }

    /// <summary>Stops listening (the writer has committed its last batch).</summary>
    private protected override async ValueTask ClosingAsync()
    {
        _notifications.Writer.TryComplete();
        await StopTimersAsync().ConfigureAwait(false);
        await Task.WhenAll(_listener, _remote).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }
}
