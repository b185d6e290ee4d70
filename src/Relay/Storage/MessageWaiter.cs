namespace SmarthostLab.Relay.Storage;

/// <summary>One open wait: its token, the message it watches once found, and the ids commits woke it for.</summary>
public sealed class MessageWaiter : IDisposable
{
    private readonly MessageWaiters _owner;
    private readonly Lock _gate = new();
    private readonly HashSet<string> _woken = new(StringComparer.Ordinal);
    private TaskCompletionSource? _signal;

    internal MessageWaiter(MessageWaiters owner, string token)
    {
        _owner = owner;
        Token = token;
        Query = TokenSignature.QueryOf(token);
    }

    /// <summary>The token waited for.</summary>
    public string Token { get; }

    /// <summary>The token's minimizers (<see cref="TokenSignature.QueryOf"/>), or null for a token too short to have any.</summary>
    internal ulong[]? Query { get; }

    /// <summary>The watched row (0: none); written under the registry's lock.</summary>
    internal long WatchedSeq { get; set; }

    /// <summary>The watched message's id.</summary>
    internal string? WatchedId { get; set; }

    /// <summary>
    /// Watches <paramref name="message"/>: commits changing its delivery (or deleting messages) wake the waiter. True
    /// when it was not watched yet: read it once more then, since a change committed before the watch took effect
    /// woke nobody.
    /// </summary>
    public bool Watch(StoredMessage message)
    {
        if (WatchedSeq == message.Seq) return false;
        _owner.Watch(this, message);
        return true;
    }

    /// <summary>The ids of the messages commits woke this waiter for since the last call (new matches, the watched one); waits for one.</summary>
    public async Task<IReadOnlyList<string>> NextAsync(CancellationToken cancellationToken)
    {
        Task signal;
        lock (_gate)
        {
            if (_woken.Count > 0) return Take();
            signal = (_signal = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }
        await signal.WaitAsync(cancellationToken).ConfigureAwait(false);
        lock (_gate) return Take();
    }

    /// <summary>Unregisters the wait.</summary>
    public void Dispose() => _owner.Remove(this);

    /// <summary>Called by the writer: queues <paramref name="id"/> and wakes <see cref="NextAsync"/> (its continuation runs elsewhere).</summary>
    internal void Wake(string id)
    {
        lock (_gate)
        {
            _woken.Add(id);
            _signal?.TrySetResult();
        }
    }

    private string[] Take()
    {
        string[] ids = [.. _woken];
        _woken.Clear();
        _signal = null;
        return ids;
    }
}
