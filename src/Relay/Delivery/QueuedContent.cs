namespace SmarthostLab.Relay.Delivery;

/// <summary>
/// The bytes of fresh messages kept in memory for their first delivery attempt, like Postfix's active queue keeps what
/// it is about to send: a connection then sends them without reading them back from the store. Bounded: a message over
/// <see cref="MaxMessage"/> octets, or one that would take the total past <see cref="MaxTotal"/>, is read from the store
/// as before. The bytes are exactly those the store commits (the relay's headers, then the message).
/// </summary>
public sealed class QueuedContent
{
    /// <summary>Largest message kept in memory.</summary>
    public const int MaxMessage = 64 * 1024;

    /// <summary>Most octets kept in memory for all queued messages together.</summary>
    public const long MaxTotal = 64L * 1024 * 1024;

    private long _total;

    /// <summary>Octets held now.</summary>
    public long Total => Interlocked.Read(ref _total);

    /// <summary>
    /// <paramref name="head"/> followed by the rest of <paramref name="tail"/> (its position is restored), or null when the
    /// message is too large or the budget is spent.
    /// </summary>
    public byte[]? TryCopy(byte[] head, Stream tail)
    {
        var start = tail.Position;
        var length = head.LongLength + tail.Length - start;
        if (length > MaxMessage) return null;
        if (Interlocked.Add(ref _total, length) > MaxTotal)
        {
            Interlocked.Add(ref _total, -length);
            return null;
        }
        var bytes = new byte[length];
        head.CopyTo(bytes, 0);
        tail.ReadExactly(bytes.AsSpan(head.Length));
        tail.Position = start;
        return bytes;
    }

    /// <summary>Gives back what <see cref="TryCopy"/> took for <paramref name="bytes"/>.</summary>
    public void Release(byte[] bytes) => Interlocked.Add(ref _total, -bytes.LongLength);
}
