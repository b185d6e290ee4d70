namespace SmarthostLab.Relay.Storage;

/// <summary>
/// The relay's durable store: messages, refusals and runtime account changes. Writes go through
/// one writer that commits them in batches; a write's task completes only after its batch is on disk.
/// </summary>
public interface IMessageStore
{
    /// <summary>True once the store is open and migrated.</summary>
    bool IsOpen { get; }

    /// <summary>
    /// The open waits (<c>GET /api/v1/wait</c>): after each commit the writer checks what it stored, and whose
    /// delivery it changed, against them and wakes the ones concerned.
    /// </summary>
    MessageWaiters Waiters { get; }

    /// <summary>Stores a message; completes once it is committed durably (fsync).</summary>
    Task AddMessageAsync(NewMessage message, CancellationToken cancellationToken = default);

    /// <summary>Queues a refusal record; it is committed with the next batch. Never throws.</summary>
    void AddRefusal(RefusalRecord refusal);

    /// <summary>Completes once every write queued before the call is committed.</summary>
    Task FlushAsync(CancellationToken cancellationToken = default);

    /// <summary>One message's metadata, or null.</summary>
    Task<StoredMessage?> GetMessageAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>A page of messages, newest first.</summary>
    Task<MessagePage> QueryMessagesAsync(MessageQuery query, CancellationToken cancellationToken = default);

    /// <summary>
    /// The newest message matching <paramref name="query"/>'s filters (its paging ignored, nothing counted), only among
    /// the messages with an id in <paramref name="among"/> when given; null when none.
    /// </summary>
    Task<StoredMessage?> FindMessageAsync(MessageQuery query, IReadOnlyCollection<string>? among = null, CancellationToken cancellationToken = default);

    /// <summary>The stored bytes of a message, or null.</summary>
    Task<byte[]?> GetRawAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>The SMTP transcript of a message's session, or null.</summary>
    Task<string?> GetTranscriptAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Deletes one message; false when there was none.</summary>
    Task<bool> DeleteMessageAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Deletes every message.</summary>
    Task DeleteAllMessagesAsync(CancellationToken cancellationToken = default);

    /// <summary>Refusals, newest first (includes every refusal queued before the call).</summary>
    Task<RefusalPage> QueryRefusalsAsync(RefusalQuery query, CancellationToken cancellationToken = default);

    /// <summary>Every stored runtime account change.</summary>
    Task<IReadOnlyList<AccountOverride>> GetAccountOverridesAsync(CancellationToken cancellationToken = default);

    /// <summary>Sets (state true/false) or clears (null) the runtime change of one account's address; completes once committed.</summary>
    Task SetAccountOverrideAsync(string account, string address, bool? added, CancellationToken cancellationToken = default);

    /// <summary>Every stored greylisting triplet (at start).</summary>
    Task<IReadOnlyList<GreylistEntry>> GetGreylistAsync(CancellationToken cancellationToken = default);

    /// <summary>Queues the insert or update of greylisting triplets (and the removal of forgotten ones); committed with the next batch. Never throws.</summary>
    void SaveGreylist(IReadOnlyList<GreylistEntry> entries, IReadOnlyList<GreylistEntry> removed);

    /// <summary>
    /// Called by the writer after each commit that created queue entries (new messages in a relaying mode, released
    /// messages, DSNs), with those entries. Set once by the delivery queue; must not block.
    /// </summary>
    Action<IReadOnlyList<OutboundJob>>? OutboundQueued { get; set; }

    /// <summary>
    /// Applies claims and outcomes of delivery attempts and stores <paramref name="reports"/> (DSNs, with their own queue
    /// entries) in one transaction; completes once committed with the claims that were refused: rows another relay on
    /// the same database owns, or that are no longer to deliver (always none with SQLite, where every row is this relay's).
    /// </summary>
    Task<IReadOnlyList<DeliveryUpdate>> RecordDeliveryAsync(IReadOnlyList<DeliveryUpdate> updates, IReadOnlyList<NewMessage> reports, CancellationToken cancellationToken = default);

    /// <summary>
    /// Queues message <paramref name="id"/> as <paramref name="jobs"/> (release), replacing its finished queue rows;
    /// refused while any of its recipients is still queued or deferred.
    /// </summary>
    Task<QueueResult> QueueMessageAsync(string id, IReadOnlyList<OutboundJob> jobs, CancellationToken cancellationToken = default);

    /// <summary>Sets the destination of queue rows (the configured route changed across a restart).</summary>
    Task RerouteAsync(IReadOnlyList<(long Seq, int Rcpt, string Destination)> changes, CancellationToken cancellationToken = default);

    /// <summary>Sets the next attempt of every deferred recipient to <paramref name="now"/> (flush).</summary>
    Task RescheduleDeferredAsync(DateTimeOffset now, CancellationToken cancellationToken = default);

    /// <summary>Every queued or deferred recipient, grouped into jobs (at start, to resume the queue).</summary>
    Task<IReadOnlyList<OutboundJob>> LoadOutboundAsync(CancellationToken cancellationToken = default);

    /// <summary>Recipient counts by state and the first <paramref name="limit"/> deferred recipients.</summary>
    Task<QueueSummary> GetQueueSummaryAsync(int limit, CancellationToken cancellationToken = default);

    /// <summary>A reader of stored message bytes by row for one consumer at a time (a delivery connection): its own connection and prepared statement.</summary>
    IMessageContentReader OpenContentReader();
}

/// <summary>Reads stored message bytes by row (messages.seq); not thread-safe: one per consumer.</summary>
public interface IMessageContentReader : IDisposable
{
    /// <summary>The stored bytes of the message at <paramref name="seq"/>, or null when it was deleted.</summary>
    byte[]? Read(long seq);
}

/// <summary>The outcome of <see cref="IMessageStore.QueueMessageAsync"/>.</summary>
public enum QueueResult
{
    /// <summary>Queued.</summary>
    Queued,
    /// <summary>No such message.</summary>
    NotFound,
    /// <summary>Some recipient is still queued or deferred.</summary>
    AlreadyQueued,
}
