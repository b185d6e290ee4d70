using Microsoft.Data.Sqlite;

namespace SmarthostLab.Relay.Storage;

/// <summary>
/// One pending write of the single writer: applied inside a batch transaction, completed after commit.
/// </summary>
internal sealed class StoreWrite
{
    private readonly Action<SqliteConnection, SqliteTransaction, StoreWrite> _apply;

    public StoreWrite(StoreWriteKind kind, Action<SqliteConnection, SqliteTransaction, StoreWrite> apply, long bytes = 0)
    {
        Kind = kind;
        _apply = apply;
        Bytes = bytes;
    }

    /// <summary>What the write does (drives metrics and notifications).</summary>
    public StoreWriteKind Kind { get; }

    /// <summary>Octets of message data it carries (bounds a batch).</summary>
    public long Bytes { get; }

    /// <summary>Rows changed, set by the apply step (e.g. to tell whether a delete found its row).</summary>
    public int RowsChanged { get; set; }

    /// <summary>Queue entries this write creates; handed to the delivery queue after the commit.</summary>
    public IReadOnlyList<OutboundJob> Outbound { get; init; } = [];

    /// <summary>Messages this write stores, with their signatures; checked against the open waits after the commit.</summary>
    public IReadOnlyList<CommittedMessage> Messages { get; init; } = [];

    /// <summary>Rows whose delivery state this write changes (set up front or by the apply step); wakes the waits watching them.</summary>
    public IReadOnlyCollection<long> DeliveryChanged { get; set; } = [];

    /// <summary>The refusal a <see cref="StoreWriteKind.Refusal"/> write records, and its row id once applied (the live feed's).</summary>
    public RefusalRecord? Refusal { get; init; }

    /// <summary>The row id the apply step inserted (refusals), 0 before.</summary>
    public long RowId { get; set; }

    /// <summary>Runs on the writer's thread after the commit of this write, before its task completes; must not block.</summary>
    public Action? AfterCommit { get; init; }

    /// <summary>Completed after the batch holding this write is committed, or faulted.</summary>
    public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Apply(SqliteConnection connection, SqliteTransaction transaction) => _apply(connection, transaction, this);
}

/// <summary>Kinds of <see cref="StoreWrite"/>.</summary>
internal enum StoreWriteKind
{
    Message,
    Refusal,
    Delete,
    AccountOverride,
    FaultRule,
    Greylist,
    Retention,
    Flush,
    Delivery,
}
