using SmarthostLab.Relay.Diagnostics;

namespace SmarthostLab.Relay.Storage;

/// <summary>
/// The open waits of <c>GET /api/v1/wait</c>, checked by the store's writer after each commit against what the
/// commit changed: each new message against each waiting token (in memory: its signature's bits for the token, then,
/// if they are all there, a substring test of its Subject, Message-ID and header text; so a commit costs waiters ×
/// new messages, never a query), and the rows whose delivery changed against the message each waiter watches. Only
/// the waiters concerned are woken, with the ids to read; the query that reads them has the last word (LIKE and the
/// other filters).
/// </summary>
public sealed class MessageWaiters
{
    private readonly Lock _gate = new();
    private readonly RelayMetrics _metrics;
    private MessageWaiter[] _waiters = [];

    /// <summary>An empty registry counting its waits in <paramref name="metrics"/>.</summary>
    public MessageWaiters(RelayMetrics metrics) => _metrics = metrics;

    /// <summary>Waits registered now.</summary>
    public int Count => Volatile.Read(ref _waiters).Length;

    /// <summary>
    /// Registers a wait for <paramref name="token"/>; every commit from now on is checked against it. Register
    /// before the first look at the store, so a message committed in between is seen by one or the other.
    /// </summary>
    public MessageWaiter Add(string token)
    {
        ArgumentException.ThrowIfNullOrEmpty(token);
        var waiter = new MessageWaiter(this, token);
        lock (_gate) _waiters = [.. _waiters, waiter];
        Interlocked.MemoryBarrier(); // the caller's read of the store comes after this write (the writer's side: IsEmpty)
        _metrics.WaitOpened();
        return waiter;
    }

    /// <summary>
    /// Called by the store after a commit (must not block): wakes the waiters whose token is in one of
    /// <paramref name="stored"/>, whose watched row is in <paramref name="deliveryChanged"/>, or, when
    /// <paramref name="deleted"/>, every waiter that watches a row.
    /// </summary>
    internal void Committed(IReadOnlyList<CommittedMessage> stored, IReadOnlyCollection<long> deliveryChanged, bool deleted)
    {
        // Under the lock, so a waiter registering or watching now either is seen here or, if it comes after,
        // finds this commit in its own read that follows.
        lock (_gate)
        {
            foreach (var waiter in _waiters)
            {
                foreach (var (message, signature) in stored)
                {
                    if ((waiter.Query is not { } query || signature is null || TokenSignature.MayContain(signature, query)) && Contains(message, waiter.Token))
                        waiter.Wake(message.Metadata.Id);
                }
                if (waiter.WatchedSeq != 0 && (deleted || deliveryChanged.Contains(waiter.WatchedSeq))) waiter.Wake(waiter.WatchedId!);
            }
        }
    }

    /// <summary>
    /// True when no wait is open: the writer then skips gathering what a commit changed. The writer asks after its
    /// commit, behind a full fence, as <see cref="Add"/> fences between its write and the caller's read of the store.
    /// </summary>
    internal bool IsEmpty
    {
        get
        {
            Interlocked.MemoryBarrier();
            return Volatile.Read(ref _waiters).Length == 0;
        }
    }

    internal void Watch(MessageWaiter waiter, StoredMessage message)
    {
        lock (_gate) (waiter.WatchedSeq, waiter.WatchedId) = (message.Seq, message.Id);
        Interlocked.MemoryBarrier(); // as in Add: the caller reads the message again after this
    }

    internal void Remove(MessageWaiter waiter)
    {
        lock (_gate)
        {
            var index = Array.IndexOf(_waiters, waiter);
            if (index < 0) return;
            _waiters = [.. _waiters[..index], .. _waiters[(index + 1)..]];
        }
        _metrics.WaitClosed();
    }

    /// <summary>
    /// The token in the Subject, Message-ID or header text, ASCII case-insensitively and more: every match of the
    /// query's LIKE is one here, so the in-memory test never misses what the query would find.
    /// </summary>
    private static bool Contains(NewMessage message, string token) =>
        message.HeaderText.Contains(token, StringComparison.OrdinalIgnoreCase)
        || (message.Metadata.Subject?.Contains(token, StringComparison.OrdinalIgnoreCase) ?? false)
        || (message.Metadata.MessageId?.Contains(token, StringComparison.OrdinalIgnoreCase) ?? false);
}
