using System.Threading.Channels;

namespace SmarthostLab.Relay.Web;

/// <summary>
/// One client of the <see cref="LiveFeed"/>: its own bounded queue of frames. A frame that does not fit is dropped and
/// the client marked; its stream then sends <c>event: resync</c> in place of what it queued.
/// </summary>
internal sealed class LiveSubscriber
{
    private readonly LiveFeed _feed;
    private readonly Channel<byte[]> _frames;
    private int _overflowed;

    public LiveSubscriber(LiveFeed feed, int capacity)
    {
        _feed = feed;
        _frames = Channel.CreateBounded<byte[]>(new BoundedChannelOptions(capacity) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });
    }

    /// <summary>The frames to send, in order.</summary>
    public ChannelReader<byte[]> Frames => _frames.Reader;

    /// <summary>Frames waiting now.</summary>
    public int Queued => _frames.Reader.Count;

    /// <summary>Queues <paramref name="frame"/>, or drops it and marks the client when its queue is full.</summary>
    public void Offer(byte[] frame)
    {
        if (_frames.Writer.TryWrite(frame)) return;
        Volatile.Write(ref _overflowed, 1);
        _feed.CountDropped();
    }

    /// <summary>Something meant for every client was dropped before it was queued: this one must reload as well.</summary>
    public void Lost()
    {
        Volatile.Write(ref _overflowed, 1);
        _frames.Writer.TryWrite(LiveFeed.ResyncFrame); // wakes a reader waiting on an empty queue
    }

    /// <summary>True once after frames were dropped; the caller discards what is queued and sends a resync.</summary>
    public bool TakeOverflow() => Interlocked.Exchange(ref _overflowed, 0) != 0;

    /// <summary>No more frames: the stream ends.</summary>
    public void Complete() => _frames.Writer.TryComplete();
}
