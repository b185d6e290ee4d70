namespace SmarthostLab.Relay.Storage;

/// <summary>The live feed's hook: what each commit stored, handed over by the writer after the commit.</summary>
public abstract partial class MessageStore
{
    /// <summary>Told after each commit while it is active (the web page's live updates, src/Relay/Web); set once at start.</summary>
    internal ICommitFeed? Feed { get; set; }
}

/// <summary>
/// A listener of the store's commits. <see cref="Committed"/> runs on the writer's thread, the relay's one serial step,
/// after the batch is durable: it must not block and should cost no more than handing references on.
/// </summary>
internal interface ICommitFeed
{
    /// <summary>False while nobody listens: the writer then skips <see cref="Committed"/> altogether.</summary>
    bool IsActive { get; }

    /// <summary>The writes of one committed batch; <paramref name="deleted"/>: messages were deleted (by a request or by retention).</summary>
    void Committed(IReadOnlyList<StoreWrite> batch, bool deleted);
}
