using System.Diagnostics;
using System.Net.Sockets;

namespace SmarthostLab.Bench.Load;

/// <summary>
/// Runs N workers, each one SMTP session at a time, that share a budget of M message tickets.
/// A run ends when the tickets are used up or the duration has passed (no new message starts
/// after it; I/O still outstanding is cancelled a few seconds later), whichever comes first.
/// <para>
/// Closed loop (the default): a worker sends its next message as soon as the last one was answered; latency runs
/// from the last octet of the message to the final reply. Open loop (<see cref="LoadOptions.Rate"/>): ticket i is
/// due at <c>start + i / rate</c> whatever the replies; the next free worker takes the next ticket, waits until it is
/// due and sends it. When every connection is busy at a ticket's due time the ticket waits for the first one to free
/// up and counts as late; its latency still runs from its due time to its final reply, so a server that stalls shows
/// in the percentiles instead of slowing the client down (no coordinated omission). The schedule starts once every
/// worker has its first session open, and holds <c>min(M, rate x duration)</c> tickets.
/// </para>
/// </summary>
public sealed class LoadRunner(LoadOptions options, BenchMessage message)
{
    /// <summary>Time allowed after the duration for messages in flight and QUIT.</summary>
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(5);

    /// <summary>Open loop: the longest wait for the workers' first sessions before the schedule starts anyway.</summary>
    private static readonly TimeSpan ScheduleStartWait = TimeSpan.FromSeconds(10);

    /// <summary>Consecutive failed connection attempts after which a worker gives up.</summary>
    private const int MaxConsecutiveConnectFailures = 20;

    private readonly LatencyHistogram _latency = new();
    private readonly LatencyHistogram _service = new();
    private readonly TaskCompletionSource<long> _scheduleStart = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private long _tickets;
    private long _nextTicket;
    private long _scheduled;
    private double _ticksPerMessage;
    private int _waitingForFirstSession;

    /// <summary>The run's counts as they grow (for the progress line).</summary>
    public LiveCounters Live { get; } = new();

    private bool OpenLoop => options.Rate > 0;

    /// <summary>Runs the load and returns the merged counts.</summary>
    public async Task<LoadResult> RunAsync(CancellationToken cancellationToken)
    {
        _tickets = options.Messages;
        _nextTicket = 0;
        if (OpenLoop)
        {
            _ticksPerMessage = (double)Stopwatch.Frequency / options.Rate;
            _scheduled = (long)Math.Min(options.Messages, Math.Ceiling(options.Rate * options.Duration.TotalSeconds));
            _waitingForFirstSession = options.Connections;
        }
        using var soft = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var hard = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var started = Stopwatch.GetTimestamp();
        if (!OpenLoop) ArmDeadlines(soft, hard);
        var workers = Enumerable.Range(0, options.Connections)
            .Select(_ => Task.Run(() => WorkerAsync(soft.Token, hard.Token), CancellationToken.None))
            .ToArray();
        if (OpenLoop)
        {
            // The schedule starts when every worker has a session open (or gave up), so that connecting is not
            // counted as the server falling behind; the duration counts from there.
            try
            {
                await _scheduleStart.Task.WaitAsync(ScheduleStartWait, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is TimeoutException or OperationCanceledException)
            {
                // Some worker is still connecting: start without it.
            }
            _scheduleStart.TrySetResult(Stopwatch.GetTimestamp());
            started = await _scheduleStart.Task.ConfigureAwait(false);
            ArmDeadlines(soft, hard);
        }
        var stats = await Task.WhenAll(workers).ConfigureAwait(false);
        var elapsed = Stopwatch.GetElapsedTime(started);
        var timedOut = soft.IsCancellationRequested && (OpenLoop ? stats.Sum(s => s.Started) < _scheduled : Volatile.Read(ref _tickets) > 0);
        var schedule = OpenLoop ? new OpenLoopFigures(options.Rate, _scheduled, stats.Sum(s => s.Started), stats.Sum(s => s.Late), stats.Max(s => s.MaxStartDelayTicks)) : null;
        return LoadResult.Merge(options, message, stats, _latency, OpenLoop ? _service : null, schedule, elapsed, timedOut);
    }

    private void ArmDeadlines(CancellationTokenSource soft, CancellationTokenSource hard)
    {
        soft.CancelAfter(options.Duration);
        hard.CancelAfter(options.Duration + Grace);
    }

    private bool HasTickets() => OpenLoop ? Volatile.Read(ref _nextTicket) < _scheduled : Volatile.Read(ref _tickets) > 0;

    /// <summary>Takes the next message ticket; in open loop <paramref name="seq"/> is its place in the schedule.</summary>
    private bool TryTakeTicket(out long seq)
    {
        if (OpenLoop)
        {
            seq = Interlocked.Increment(ref _nextTicket) - 1;
            return seq < _scheduled;
        }
        seq = Interlocked.Decrement(ref _tickets);
        return seq >= 0;
    }

    /// <summary>Open loop: this worker is ready (or gave up); the last one starts the schedule.</summary>
    private void FirstSessionDone(ref bool done)
    {
        if (!OpenLoop || done) return;
        done = true;
        if (Interlocked.Decrement(ref _waitingForFirstSession) == 0) _scheduleStart.TrySetResult(Stopwatch.GetTimestamp());
    }

    private async Task<WorkerStats> WorkerAsync(CancellationToken soft, CancellationToken hard)
    {
        var stats = new WorkerStats(Live);
        var connectFailures = 0;
        var ready = false;
        try
        {
            while (!soft.IsCancellationRequested && HasTickets())
            {
                RawSmtpSession session;
                int greeting;
                try
                {
                    (session, greeting) = await RawSmtpSession.OpenAsync(options, message, hard).ConfigureAwait(false);
                    connectFailures = 0;
                    stats.Sessions++;
                }
                catch (OperationCanceledException) when (hard.IsCancellationRequested)
                {
                    break;
                }
                catch (Exception e) when (e is SocketException or IOException or InvalidDataException or NotSupportedException or InvalidOperationException or System.Security.Authentication.AuthenticationException)
                {
                    stats.Error($"open: {Describe(e)}");
                    if (e is NotSupportedException || ++connectFailures >= MaxConsecutiveConnectFailures) break;
                    await Task.Delay(50, CancellationToken.None).ConfigureAwait(false);
                    continue;
                }
                await using (session.ConfigureAwait(false))
                {
                    FirstSessionDone(ref ready);
                    var scheduleStart = OpenLoop ? await _scheduleStart.Task.WaitAsync(hard).ConfigureAwait(false) : 0;
                    if (greeting != 220)
                    {
                        // A refused session still uses a ticket, so a refusing server cannot make the run spin.
                        if (TryTakeTicket(out _)) stats.Refuse("greeting", greeting, session.LastNegativeText);
                        await session.QuitAsync(hard).ConfigureAwait(false);
                        continue;
                    }
                    var usable = await SendLoopAsync(session, stats, scheduleStart, soft, hard).ConfigureAwait(false);
                    if (usable) await session.QuitAsync(hard).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (hard.IsCancellationRequested)
        {
            // The run's grace is over (or it was interrupted).
        }
        finally
        {
            FirstSessionDone(ref ready);
        }
        return stats;
    }

    /// <param name="session">An open session.</param>
    /// <param name="stats">The worker's counts.</param>
    /// <param name="scheduleStart">Open loop: the Stopwatch timestamp ticket 0 is due at.</param>
    /// <param name="soft">Cancelled when the duration is over: no new message starts.</param>
    /// <param name="hard">Cancelled when the grace after it is over too.</param>
    /// <returns>False when the session can no longer be used (closed, 421, error).</returns>
    private async Task<bool> SendLoopAsync(RawSmtpSession session, WorkerStats stats, long scheduleStart, CancellationToken soft, CancellationToken hard)
    {
        var sent = 0;
        while ((options.PerSession == 0 || sent < options.PerSession) && !soft.IsCancellationRequested && TryTakeTicket(out var seq))
        {
            var due = 0L;
            if (OpenLoop)
            {
                due = scheduleStart + (long)(seq * _ticksPerMessage);
                var now = Stopwatch.GetTimestamp();
                if (due > now)
                {
                    try
                    {
                        await WaitUntilAsync(due, soft).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException)
                    {
                        return true; // the run's time is over before this message was due
                    }
                }
                else
                {
                    stats.StartedLate(now - due);
                }
                stats.Started++;
            }
            sent++;
            SendOutcome outcome;
            try
            {
                outcome = await session.SendAsync(seq, hard).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (hard.IsCancellationRequested)
            {
                stats.Error("cancelled in flight at the end of the run");
                return false;
            }
            catch (Exception e) when (e is SocketException or IOException or InvalidDataException or ObjectDisposedException)
            {
                stats.Error($"send: {Describe(e)}");
                return false;
            }
            if (outcome.Accepted)
            {
                stats.Accept();
                _service.RecordTicks(outcome.LatencyTicks);
                // Open loop: from the moment the message was due, so time spent waiting for a connection counts.
                _latency.RecordTicks(OpenLoop ? Stopwatch.GetTimestamp() - due : outcome.LatencyTicks);
            }
            else
            {
                stats.Refuse(outcome.Stage, outcome.Code, session.LastNegativeText);
            }
            if (!outcome.SessionUsable) return false;
        }
        return true;
    }

    /// <summary>
    /// Waits until the Stopwatch reads <paramref name="due"/>, never less: the runtime's timers count in the kernel's
    /// coarse clock ticks and may fire a few milliseconds early, so the rest is waited out in short steps.
    /// </summary>
    private static async Task WaitUntilAsync(long due, CancellationToken cancellationToken)
    {
        var timerSlack = TimeSpan.FromMilliseconds(5);
        for (var now = Stopwatch.GetTimestamp(); now < due; now = Stopwatch.GetTimestamp())
        {
            var left = Stopwatch.GetElapsedTime(now, due);
            if (left > timerSlack) await Task.Delay(left - timerSlack, cancellationToken).ConfigureAwait(false);
            else if (left > TimeSpan.FromMilliseconds(1)) await Task.Delay(1, cancellationToken).ConfigureAwait(false);
            else await Task.Yield();
        }
    }

    private static string Describe(Exception e) => e switch
    {
        SocketException s => s.SocketErrorCode.ToString(),
        EndOfStreamException => "server closed the connection",
        IOException { InnerException: SocketException s } => s.SocketErrorCode.ToString(),
        _ => $"{e.GetType().Name}: {e.Message}",
    };
}

/// <summary>What an open-loop run scheduled and did.</summary>
/// <param name="Rate">Messages per second asked for.</param>
/// <param name="Scheduled">Tickets in the schedule: min(messages, rate x duration).</param>
/// <param name="Started">Messages started (the rest were due but not started before the duration ran out).</param>
/// <param name="Late">Messages that could not start at their due time: every connection was busy.</param>
/// <param name="MaxStartDelayTicks">The longest of those waits, in Stopwatch ticks.</param>
public sealed record OpenLoopFigures(int Rate, long Scheduled, long Started, long Late, long MaxStartDelayTicks);
