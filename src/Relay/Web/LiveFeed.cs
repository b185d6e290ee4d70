using System.Buffers;
using System.Text.Json;
using System.Threading.Channels;
using SmarthostLab.Relay.Api;
using SmarthostLab.Relay.Api.Contracts;
using SmarthostLab.Relay.Storage;

namespace SmarthostLab.Relay.Web;

/// <summary>
/// The live updates of the web page (<c>GET /api/v1/events</c>): what the store commits, as Server-Sent Events frames,
/// for at most <see cref="MaxSubscribers"/> clients at once.
/// <para>
/// Nothing here can hold the store's writer or grow without bound. The writer hands each committed message and refusal
/// on as a reference into one bounded queue (<see cref="PendingCapacity"/>; nothing at all while no client listens). A
/// dispatcher task makes each frame once and offers it to every client's own bounded queue
/// (<see cref="SubscriberCapacity"/> frames). A queue that is full drops the frame and marks its client (or every client,
/// for the shared queue): the client is then told to reload (<c>event: resync</c>) instead of being sent what it missed.
/// </para>
/// </summary>
public sealed class LiveFeed : ICommitFeed, IAsyncDisposable
{
    /// <summary>Clients listening at once; one more is answered 503.</summary>
    public const int MaxSubscribers = 32;

    /// <summary>Frames queued for one client that reads slowly; past it the client gets a resync.</summary>
    public const int SubscriberCapacity = 256;

    /// <summary>Committed items waiting for the dispatcher; past it every client gets a resync.</summary>
    public const int PendingCapacity = 4096;

    private readonly Channel<FeedItem> _pending = Channel.CreateBounded<FeedItem>(
        new BoundedChannelOptions(PendingCapacity) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly Lock _gate = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _dispatch;
    private LiveSubscriber[] _subscribers = [];
    private int _lost;

    /// <summary>Starts the dispatcher.</summary>
    public LiveFeed() => _dispatch = Task.Run(DispatchAsync);

    /// <summary>Clients listening now.</summary>
    public int Subscribers => Volatile.Read(ref _subscribers).Length;

    /// <summary>Frames dropped in all (a client's queue or the shared one was full) since start.</summary>
    public long Dropped => Interlocked.Read(ref _dropped);

    private long _dropped;

    bool ICommitFeed.IsActive => Volatile.Read(ref _subscribers).Length > 0;

    /// <summary>A new client, or null when <see cref="MaxSubscribers"/> listen already.</summary>
    internal LiveSubscriber? Subscribe()
    {
        lock (_gate)
        {
            if (_subscribers.Length >= MaxSubscribers || _stop.IsCancellationRequested) return null;
            var subscriber = new LiveSubscriber(this, SubscriberCapacity);
            _subscribers = [.. _subscribers, subscriber];
            return subscriber;
        }
    }

    internal void Unsubscribe(LiveSubscriber subscriber)
    {
        lock (_gate)
        {
            var index = Array.IndexOf(_subscribers, subscriber);
            if (index >= 0) _subscribers = [.. _subscribers[..index], .. _subscribers[(index + 1)..]];
        }
        subscriber.Complete();
    }

    internal void CountDropped() => Interlocked.Increment(ref _dropped);

    /// <summary>On the store's writer thread: references into the shared queue, no formatting, never a wait.</summary>
    void ICommitFeed.Committed(IReadOnlyList<StoreWrite> batch, bool deleted)
    {
        var delivery = false;
        for (var i = 0; i < batch.Count; i++)
        {
            var write = batch[i];
            var messages = write.Messages;
            for (var m = 0; m < messages.Count; m++) Post(new FeedItem(FeedKind.Message, messages[m].Message.Metadata, 0, write.Queued));
            if (write.Refusal is { } refusal) Post(new FeedItem(FeedKind.Refusal, refusal, write.RowId, false));
            delivery |= write.DeliveryChanged.Count > 0;
        }
        if (delivery) Post(new FeedItem(FeedKind.Delivery, null, 0, false));
        if (deleted) Post(new FeedItem(FeedKind.Deleted, null, 0, false));
    }

    private void Post(FeedItem item)
    {
        if (_pending.Writer.TryWrite(item)) return;
        Volatile.Write(ref _lost, 1);
        CountDropped();
    }

    private async Task DispatchAsync()
    {
        var reader = _pending.Reader;
        try
        {
            while (await reader.WaitToReadAsync(_stop.Token).ConfigureAwait(false))
            {
                var subscribers = Volatile.Read(ref _subscribers);
                if (Interlocked.Exchange(ref _lost, 0) != 0)
                    foreach (var subscriber in subscribers) subscriber.Lost();
                // Changes of delivery state and deletions say "reload", so a burst of them is sent once.
                var delivery = false;
                var deleted = false;
                while (reader.TryRead(out var item))
                {
                    switch (item.Kind)
                    {
                        case FeedKind.Delivery: delivery = true; continue;
                        case FeedKind.Deleted: deleted = true; continue;
                    }
                    if (subscribers.Length == 0) continue;
                    var frame = Frame(item);
                    foreach (var subscriber in subscribers) subscriber.Offer(frame);
                }
                if (subscribers.Length == 0) continue;
                if (delivery) foreach (var subscriber in subscribers) subscriber.Offer(DeliveryFrame);
                if (deleted) foreach (var subscriber in subscribers) subscriber.Offer(DeletedFrame);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
    }

    /// <summary>The first frame a client gets: it listens from here on (load the page after it and nothing is missed).</summary>
    internal static readonly byte[] HelloFrame = "retry: 3000\nevent: hello\ndata: {}\n\n"u8.ToArray();

    /// <summary>Frames were dropped for this client: reload what it shows.</summary>
    internal static readonly byte[] ResyncFrame = "event: resync\ndata: {}\n\n"u8.ToArray();

    /// <summary>A comment line that keeps proxies and the client's idle timers from closing the stream.</summary>
    internal static readonly byte[] HeartbeatFrame = ": heartbeat\n\n"u8.ToArray();

    private static readonly byte[] DeliveryFrame = "event: delivery\ndata: {}\n\n"u8.ToArray();
    private static readonly byte[] DeletedFrame = "event: deleted\ndata: {}\n\n"u8.ToArray();

    /// <summary><c>event: message</c> with the API's Message, <c>event: refusal</c> with its Refusal: one JSON line each.</summary>
    internal static byte[] Frame(FeedItem item)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        buffer.Write(item.Kind == FeedKind.Message ? "event: message\ndata: "u8 : "event: refusal\ndata: "u8);
        using (var json = new Utf8JsonWriter(buffer))
        {
            if (item.Payload is StoredMessage message)
            {
                // As a read shows it: each recipient queued (a relaying mode) or stored (Store mode, nothing queued).
                var state = item.Queued ? "queued" : DeliveryStates.Stored;
                DeliveryRecord[] delivery = [.. message.Recipients.Select(r => new DeliveryRecord(r, state, null, 0, null, null, null, null, null))];
                JsonSerializer.Serialize(json, (message with { Delivery = delivery }).ToResponse(), RelayJson.Context.MessageResponse);
            }
            else
            {
                JsonSerializer.Serialize(json, (((RefusalRecord)item.Payload!) with { Id = item.Id }).ToResponse(), RelayJson.Context.RefusalResponse);
            }
        }
        buffer.Write("\n\n"u8);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Stops the dispatcher and ends every client's stream.</summary>
    public async ValueTask DisposeAsync()
    {
        LiveSubscriber[] subscribers;
        lock (_gate)
        {
            if (_stop.IsCancellationRequested) return;
            _stop.Cancel();
            subscribers = _subscribers;
            _subscribers = [];
        }
        _pending.Writer.TryComplete();
        foreach (var subscriber in subscribers) subscriber.Complete();
        await _dispatch.ConfigureAwait(false);
        _stop.Dispose();
    }
}

/// <summary>What a commit hands the feed.</summary>
internal enum FeedKind
{
    Message,
    Refusal,
    Delivery,
    Deleted,
}

/// <summary>One committed item: a message's metadata (<see cref="StoredMessage"/>) or a <see cref="RefusalRecord"/> with its row <paramref name="Id"/>.</summary>
/// <param name="Kind">What it is.</param>
/// <param name="Payload">The stored message or refusal; null for a change of delivery state or a deletion.</param>
/// <param name="Id">A refusal's row id.</param>
/// <param name="Queued">A message with queue entries (its recipients start queued); otherwise stored.</param>
internal readonly record struct FeedItem(FeedKind Kind, object? Payload, long Id, bool Queued);
