using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Data.Common;

namespace SmarthostLab.Relay.Storage;

/// <summary>
/// The token search (issue 16): the in-memory <see cref="TokenIndex"/> of message signatures narrows a token query to
/// its candidate rows. It is built when the first token search asks for it (a relay nobody searches pays nothing): the
/// writer then adds every row it inserts, and the rows stored before are loaded in the background.
/// </summary>
public abstract partial class MessageStore
{
    /// <summary>Completes once the token index is built (or its load failed: searches keep scanning).</summary>
    internal Task TokenIndexLoaded => _tokenIndexLoaded.Task;

    /// <summary>Messages the token index holds.</summary>
    internal int TokenIndexEntries => _tokens.Count;

    /// <summary>The signature the token index keeps of <paramref name="message"/>.</summary>
    private protected static ulong[] Signature(NewMessage message) =>
        TokenSignature.Of(message.Metadata.Subject, message.Metadata.MessageId, message.HeaderText);

    /// <summary>
    /// On the writer's thread, right after inserting <paramref name="message"/> at <paramref name="seq"/>: its entry in
    /// the token index once the index is built, signed here if it was queued before the index was asked for.
    /// </summary>
    private protected void Indexed(long seq, NewMessage message, ulong[]? signature)
    {
        if (_indexing) _tokens.Add(seq, signature ?? Signature(message));
        Inserted(seq);
    }

    /// <summary>On the writer's thread: the entry of a row another relay inserted (PostgreSQL), once the index is built.</summary>
    private protected void IndexRemote(long seq, NewMessage message, ulong[]? signature)
    {
        if (_indexing) _tokens.Add(seq, signature ?? Signature(message));
    }

    /// <summary>On the writer's thread, for each message row the current batch inserts (PostgreSQL tells the other relays).</summary>
    private protected virtual void Inserted(long seq)
    {
    }

    /// <summary>
    /// Restricts a token search to the index's candidate rows and the rows below its floor, read by key
    /// (<c>seq IN (…)</c>). A token the index cannot look up (under <see cref="TokenSignature.MinTokenLength"/>
    /// characters, or in a third of the rows) is left to LIKE over every row, as is every search until the index is
    /// built; the first search that could use it has it built.
    /// </summary>
    private void NarrowToToken(DbCommand command, StringBuilder where, string token)
    {
        var found = _tokens.Find(token);
        _metrics.TokenQuery(indexed: found is not null);
        if (found is not var (seqs, floor))
        {
            if (token.Length >= TokenSignature.MinTokenLength && _tokens.Want()) BuildTokenIndex();
            return;
        }
        AddCandidates(command, where, seqs, floor);
    }

    /// <summary>
    /// Has the token index built: a write, applied in the writer's order, from which on the writer adds every row it
    /// inserts; after its commit, the rows up to the newest one then are loaded in the background.
    /// </summary>
    private void BuildTokenIndex()
    {
        long upTo = 0;
        Enqueue(new StoreWrite(StoreWriteKind.Flush, (connection, transaction, _) =>
        {
            _indexing = true;
            upTo = Scalar(connection, "SELECT COALESCE(MAX(seq), 0) FROM messages", transaction);
        })
        {
            AfterCommit = () => _tokenLoad = Task.Run(() => LoadTokenIndex(upTo, _closing.Token), CancellationToken.None),
        });
    }

    /// <summary>
    /// Loads the signatures of the rows up to <paramref name="upTo"/> (the writer adds the ones after), the newest up to
    /// the index's capacity, on a read connection: ≈ 1 s per 100,000 messages of 1 KB of headers on the bench machine.
    /// </summary>
    private void LoadTokenIndex(long upTo, CancellationToken cancellationToken)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            using var connection = NewReadConnection();
            connection.Open();
            long start;
            using (var first = connection.CreateCommand())
            {
                first.CommandText = "SELECT seq FROM messages WHERE seq <= @upTo ORDER BY seq DESC LIMIT 1 OFFSET @skip";
                first.Add("@upTo", upTo);
                first.Add("@skip", _tokens.Capacity - 1);
                start = first.ExecuteScalar() is { } seq and not DBNull ? Convert.ToInt64(seq, CultureInfo.InvariantCulture) : 0;
            }
            var loaded = _tokens.ForLoading(floor: start);
            using (var rows = connection.CreateCommand())
            {
                rows.CommandText = "SELECT seq, subject, message_id, headers FROM messages WHERE seq >= @start AND seq <= @upTo ORDER BY seq";
                rows.Add("@start", start);
                rows.Add("@upTo", upTo);
                using var reader = rows.ExecuteReader();
                while (reader.Read() && !cancellationToken.IsCancellationRequested)
                    loaded.Add(reader.GetInt64(0), TokenSignature.Of(reader.NullableString(1), reader.NullableString(2), reader.GetString(3)));
            }
            if (cancellationToken.IsCancellationRequested) return;
            _tokens.Prepend(loaded);
            StoreLog.TokenIndexLoaded(_logger, loaded.Count, (long)Stopwatch.GetElapsedTime(started).TotalMilliseconds, _tokens.Floor);
        }
        catch (DbException exception)
        {
            StoreLog.TokenIndexFailed(_logger, exception);
        }
        finally
        {
            _tokenIndexLoaded.TrySetResult();
        }
    }
}
