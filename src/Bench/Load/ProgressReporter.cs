using System.Globalization;

namespace SmarthostLab.Bench.Load;

/// <summary>
/// Prints one progress line a second on stderr while a load run goes on: the accept rate over the last second,
/// accepted, refused, errors (and late starts in open loop), seconds elapsed. Stops when disposed.
/// </summary>
public sealed class ProgressReporter : IAsyncDisposable
{
    private static readonly TimeSpan Period = TimeSpan.FromSeconds(1);
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    private ProgressReporter(string phase, LiveCounters counters, bool openLoop, TextWriter error, TimeProvider time)
        => _loop = RunAsync(phase, counters, openLoop, error, time, _stop.Token);

    /// <summary>Starts printing; null when <paramref name="enabled"/> is false.</summary>
    public static ProgressReporter? Start(bool enabled, string phase, LiveCounters counters, bool openLoop, TextWriter error, TimeProvider? time = null)
        => enabled ? new ProgressReporter(phase, counters, openLoop, error, time ?? TimeProvider.System) : null;

    /// <summary>One progress line, e.g. <c>load: 12 s  2140 msg/s  accepted 24731  refused 0  errors 0</c>.</summary>
    public static string Format(string phase, TimeSpan elapsed, double perSecond, LiveSnapshot counts, bool openLoop) => string.Create(CultureInfo.InvariantCulture,
        $"{phase}: {elapsed.TotalSeconds:0} s  {perSecond:0} msg/s  accepted {counts.Accepted}  refused {counts.Refused}  errors {counts.Errors}{(openLoop ? $"  late {counts.Late}" : string.Empty)}");

    private static async Task RunAsync(string phase, LiveCounters counters, bool openLoop, TextWriter error, TimeProvider time, CancellationToken stop)
    {
        var started = time.GetTimestamp();
        var last = (Counts: counters.Read(), At: started);
        using var timer = new PeriodicTimer(Period, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stop).ConfigureAwait(false))
            {
                var now = (Counts: counters.Read(), At: time.GetTimestamp());
                var interval = time.GetElapsedTime(last.At, now.At).TotalSeconds;
                var rate = interval > 0 ? (now.Counts.Accepted - last.Counts.Accepted) / interval : 0;
                await error.WriteLineAsync(Format(phase, time.GetElapsedTime(started, now.At), rate, now.Counts, openLoop)).ConfigureAwait(false);
                last = now;
            }
        }
        catch (OperationCanceledException)
        {
            // Disposed: the run is over.
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await _loop.ConfigureAwait(false);
        _stop.Dispose();
    }
}
