using System.Collections.Concurrent;
using Microsoft.Extensions.Time.Testing;

namespace SmarthostLab.Smtp.Tests.Support;

/// <summary>
/// A <see cref="FakeTimeProvider"/> that tells when timers are created with a finite due time (a <c>Task.Delay</c>
/// on it, a fault's delay or tarpit pause): a test waits for one before it advances the clock, so the advance is
/// never lost to a timer created just after it.
/// </summary>
public sealed class WatchedTimeProvider : FakeTimeProvider
{
    private readonly ConcurrentQueue<TimeSpan> _created = new();
    private readonly SemaphoreSlim _signal = new(0);

    public WatchedTimeProvider() : base(new DateTimeOffset(2025, 1, 1, 0, 0, 0, TimeSpan.Zero)) { }

    public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
    {
        var timer = base.CreateTimer(callback, state, dueTime, period);
        if (dueTime != Timeout.InfiniteTimeSpan)
        {
            _created.Enqueue(dueTime);
            _signal.Release();
        }
        return timer;
    }

    /// <summary>Waits (real time, bounded) for the next timer with a due time to be created and returns that due time.</summary>
    public async Task<TimeSpan> NextTimerAsync()
    {
        if (!await _signal.WaitAsync(TimeSpan.FromSeconds(10))) throw new TimeoutException("no timer was created within 10 s");
        Assert.True(_created.TryDequeue(out var due));
        return due;
    }
}
