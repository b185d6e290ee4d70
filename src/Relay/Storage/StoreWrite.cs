using System.Data.Common;

namespace SmarthostLab.Relay.Storage;

/// <summary>
/// One pending write of the single writer: applied inside a batch transaction, completed after commit.
/// </summary>
internal sealed class StoreWrite
{
    private readonly Action<DbConnection, DbTransaction, StoreWrite> _apply;

    public StoreWrite(StoreWriteKind kind, Action<DbConnection, DbTransaction, StoreWrite> apply, long bytes = 0)
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

    /// <summary>Queue entries this write creates (or claims); handed to the delivery queue after the commit.</summary>
    public IReadOnlyList<OutboundJob> Outbound { get; set; } = [];

    /// <summary>Messages this write stores, with their signatures; checked against the open waits after the commit.</summary>
    public IReadOnlyList<CommittedMessage> Messages { get; init; } = [];

    /// <summary>Rows whose delivery state this write changes (set up front or by the apply step); wakes the waits watching them.</summary>
    public IReadOnlyCollection<long> DeliveryChanged { get; set; } = [];

    /// <summary>The refusal a <see cref="StoreWriteKind.Refusal"/> write records, and its row id once applied (the live feed's).</summary>
    public RefusalRecord? Refusal { get; init; }

    /// <summary>The row id the apply step inserted (refusals), 0 before.</summary>
    public long RowId { get; set; }

    /// <summary>
    /// True when the message it stores has queue rows: <see cref="Outbound"/>, or, for a <see cref="StoreWriteKind.Remote"/>
    /// write, rows another relay wrote (the live feed shows it as queued).
    /// </summary>
    public bool Queued => Outbound.Count > 0 || QueuedElsewhere;

    /// <summary>A message another relay stored with queue rows (<see cref="StoreWriteKind.Remote"/>).</summary>
    public bool QueuedElsewhere { get; init; }

    /// <summary>
    /// A <see cref="StoreWriteKind.Remote"/> write after the listener lost its connection: what other relays committed
    /// meanwhile is unknown, so every wait that watches a row reads it again.
    /// </summary>
    public bool Resync { get; init; }

    /// <summary>
    /// Messages another relay stored that this one only counted (<see cref="StoreWriteKind.Remote"/>): nothing here needed
    /// their rows when the notification came (no open wait, no token index, nobody on the live page).
    /// </summary>
    public int Uncounted { get; init; }

    /// <summary>The net change of the message count a <see cref="StoreWriteKind.Remote"/> write brings.</summary>
    public int RemoteAdded => Messages.Count + Uncounted - RowsChanged;

    /// <summary>Runs on the writer's thread after the commit of this write, before its task completes; must not block.</summary>
    public Action? AfterCommit { get; init; }

    /// <summary>Completed after the batch holding this write is committed, or faulted.</summary>
    public TaskCompletionSource Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Apply(DbConnection connection, DbTransaction transaction) => _apply(connection, transaction, this);
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
    /// <summary>
    /// What another relay on the same database committed (PostgreSQL): nothing to write, but its messages go to the
    /// token index, the open waits and the live feed as this relay's own do; <see cref="RowsChanged"/> holds the
    /// messages it deleted.
    /// </summary>
    Remote,
}
