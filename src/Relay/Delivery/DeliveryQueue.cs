using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using SmarthostLab.Relay.Configuration;
using SmarthostLab.Relay.Storage;

namespace SmarthostLab.Relay.Delivery;

/// <summary>
/// The outbound queue's scheduler (issue 13), modelled on Postfix's queue manager: jobs not yet due wait in a
/// priority queue by time; due jobs go to their destination's lane; each lane gets connections up to
/// <see cref="DeliveryOptions.MaxConnectionsPerDestination"/> (and all lanes together up to
/// <see cref="DeliveryOptions.MaxConnections"/>), each of which sends job after job over one SMTP session. The store
/// is the truth: entries are written with the message, resumed from it at start, and every attempt is claimed and
/// its outcome recorded there.
/// </summary>
public sealed class DeliveryQueue : IHostedService, IAsyncDisposable
{
    private readonly IMessageStore _store;
    private readonly DeliveryRouter _router;
    private readonly DeliveryOptions _options;
    private readonly TimeProvider _time;
    private readonly DeliveryMetrics _metrics;
    private readonly ILogger<DeliveryQueue> _logger;
    private readonly Func<DeliveryQueue, DeliveryWorker> _workerFactory;
    private readonly Lock _lock = new();
    private readonly PriorityQueue<OutboundJob, DateTimeOffset> _waiting = new();
    private readonly Dictionary<string, DestinationLane> _lanes = new(StringComparer.Ordinal);
    private readonly HashSet<Task> _workers = [];
    private readonly SemaphoreSlim _wake = new(0);
    private readonly CancellationTokenSource _stopping = new();
    private Task _dispatcher = Task.CompletedTask;
    private int _connections;
    private long _waitingRecipients;
    private long _dueRecipients;
    private long _activeRecipients;

    /// <summary>Creates the queue; <paramref name="workerFactory"/> makes the connection workers.</summary>
    public DeliveryQueue(IMessageStore store, DeliveryRouter router, IOptions<DeliveryOptions> options, TimeProvider time, DeliveryMetrics metrics,
        ILogger<DeliveryQueue> logger, Func<DeliveryQueue, DeliveryWorker> workerFactory)
    {
        _store = store;
        _router = router;
        _options = options.Value;
        _time = time;
        _metrics = metrics;
        _logger = logger;
        _workerFactory = workerFactory;
        metrics.ObserveQueue(() => (Volatile.Read(ref _dueRecipients), Volatile.Read(ref _waitingRecipients), Volatile.Read(ref _activeRecipients)));
    }

    /// <summary>Connections open now (for tests and /api/v1/queue).</summary>
    public int Connections { get { lock (_lock) return _connections; } }

    /// <inheritdoc />
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        _store.OutboundQueued = Enqueue;
        var pending = await RerouteAsync(await _store.LoadOutboundAsync(cancellationToken).ConfigureAwait(false), cancellationToken).ConfigureAwait(false);
        if (pending.Count > 0) DeliveryLog.Resumed(_logger, pending.Count, pending.Sum(j => j.Recipients.Count));
        Enqueue(pending);
        _dispatcher = Task.Run(DispatchLoopAsync, CancellationToken.None);
    }

    /// <inheritdoc />
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _store.OutboundQueued = null;
        if (!_stopping.IsCancellationRequested) await _stopping.CancelAsync().ConfigureAwait(false);
        _wake.Release();
        Task[] workers;
        lock (_lock) workers = [.. _workers, _dispatcher];
        // Workers record what they know before they end; an attempt cut off here is retried after the restart.
        await Task.WhenAll(workers).WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <summary>
    /// Entries resumed at start follow the configuration as it is now, as Postfix routes each attempt anew: a
    /// corrected <c>Delivery:NextHop</c> or mode applies to mail already deferred. A released message keeps the next hop
    /// it was released to; in Store mode queued mail keeps its destination.
    /// </summary>
    private async Task<IReadOnlyList<OutboundJob>> RerouteAsync(IReadOnlyList<OutboundJob> jobs, CancellationToken cancellationToken)
    {
        var changes = new List<(long Seq, int Rcpt, string Destination)>();
        var result = new List<OutboundJob>(jobs.Count);
        foreach (var job in jobs)
        {
            if (job.Pinned)
            {
                result.Add(job);
                continue;
            }
            foreach (var group in job.Recipients.GroupBy(r => _router.DestinationOf(job.Account, r.Address) ?? job.Destination))
            {
                if (group.Key != job.Destination)
                    foreach (var r in group) changes.Add((job.Seq, r.Index, group.Key));
                result.Add(job.With(group.Key, [.. group]));
            }
        }
        if (changes.Count > 0)
        {
            await _store.RerouteAsync(changes, cancellationToken).ConfigureAwait(false);
            DeliveryLog.Rerouted(_logger, changes.Count);
        }
        return result;
    }

    /// <summary>Adds committed jobs (from the store's writer, at start, or a retry); never blocks.</summary>
    public void Enqueue(IReadOnlyList<OutboundJob> jobs)
    {
        if (jobs.Count == 0) return;
        var now = _time.GetUtcNow();
        lock (_lock)
        {
            foreach (var job in jobs)
            {
                var due = job.Recipients.Min(r => r.NextAttempt);
                if (due <= now) AddDue(job);
                else
                {
                    _waiting.Enqueue(job, due);
                    _waitingRecipients += job.Recipients.Count;
                }
            }
        }
        _wake.Release();
    }

    /// <summary>Makes every waiting job due now (POST /api/v1/queue/flush); returns the recipients moved.</summary>
    public async Task<int> FlushAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        await _store.RescheduleDeferredAsync(now, cancellationToken).ConfigureAwait(false);
        var moved = 0;
        lock (_lock)
        {
            while (_waiting.TryDequeue(out var job, out _))
            {
                foreach (var r in job.Recipients) r.NextAttempt = now;
                _waitingRecipients -= job.Recipients.Count;
                moved += job.Recipients.Count;
                AddDue(job);
            }
        }
        _wake.Release();
        return moved;
    }

    /// <summary>Puts a job back to wait until <paramref name="due"/> (a deferral).</summary>
    internal void Retry(OutboundJob job, DateTimeOffset due)
    {
        lock (_lock)
        {
            _waiting.Enqueue(job, due);
            _waitingRecipients += job.Recipients.Count;
        }
        _wake.Release();
    }

    /// <summary>The next due job of <paramref name="lane"/>, waiting up to <paramref name="idle"/> for one; null when none came.</summary>
    internal async Task<OutboundJob?> TakeAsync(DestinationLane lane, TimeSpan idle, CancellationToken cancellationToken)
    {
        if (!lane.Available.Wait(0))
        {
            if (idle <= TimeSpan.Zero) return null;
            lock (_lock) lane.Idle++;
            bool got;
            try
            {
                got = await lane.Available.WaitAsync(idle, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                got = false;
            }
            finally
            {
                lock (_lock) lane.Idle--;
            }
            if (!got) return null;
        }
        lock (_lock)
        {
            var job = lane.Jobs.Dequeue();
            _dueRecipients -= job.Recipients.Count;
            _activeRecipients += job.Recipients.Count;
            return job;
        }
    }

    /// <summary>A job taken by <see cref="TakeAsync"/> is finished (its outcome recorded or handed back).</summary>
    internal void Finished(OutboundJob job)
    {
        lock (_lock) _activeRecipients -= job.Recipients.Count;
    }

    /// <summary>Stopping: workers end after the job in hand.</summary>
    internal CancellationToken Stopping => _stopping.Token;

    private void AddDue(OutboundJob job)
    {
        if (!_lanes.TryGetValue(job.Destination, out var lane)) _lanes[job.Destination] = lane = new DestinationLane(job.Destination);
        lane.Jobs.Enqueue(job);
        _dueRecipients += job.Recipients.Count;
        lane.Available.Release();
    }

    private async Task DispatchLoopAsync()
    {
        var token = _stopping.Token;
        while (!token.IsCancellationRequested)
        {
            TimeSpan wait;
            lock (_lock)
            {
                var now = _time.GetUtcNow();
                while (_waiting.TryPeek(out var job, out var due) && due <= now)
                {
                    _waiting.Dequeue();
                    _waitingRecipients -= job.Recipients.Count;
                    AddDue(job);
                }
                StartWorkers();
                wait = _waiting.TryPeek(out _, out var next) ? next - now : Timeout.InfiniteTimeSpan;
                if (wait != Timeout.InfiniteTimeSpan && wait < TimeSpan.FromMilliseconds(1)) wait = TimeSpan.FromMilliseconds(1);
                if (wait > TimeSpan.FromMinutes(1)) wait = TimeSpan.FromMinutes(1); // the clock may jump
            }
            try
            {
                await _wake.WaitAsync(wait, token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                break;
            }
        }
    }

    /// <summary>Under the lock: opens connections where due jobs outnumber idle connections, within both caps.</summary>
    private void StartWorkers()
    {
        foreach (var lane in _lanes.Values)
        {
            var wanted = Math.Min(lane.Jobs.Count - lane.Idle, _options.MaxConnectionsPerDestination - lane.Connections);
            for (var i = 0; i < wanted && _connections < _options.MaxConnections; i++)
            {
                lane.Connections++;
                _connections++;
                var worker = _workerFactory(this);
                Task? task = null;
                task = Task.Run(async () =>
                {
                    try
                    {
                        await worker.RunAsync(lane).ConfigureAwait(false);
                    }
                    catch (Exception exception) when (exception is not OutOfMemoryException)
                    {
                        DeliveryLog.WorkerFailed(_logger, lane.Destination, exception);
                    }
                    finally
                    {
                        lock (_lock)
                        {
                            lane.Connections--;
                            _connections--;
                            _workers.Remove(task!);
                            if (lane.Connections == 0 && lane.Jobs.Count == 0) _lanes.Remove(lane.Destination);
                        }
                        _wake.Release();
                    }
                });
                _workers.Add(task);
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        if (!_stopping.IsCancellationRequested) await _stopping.CancelAsync().ConfigureAwait(false);
        _stopping.Dispose();
        _wake.Dispose();
    }
}
