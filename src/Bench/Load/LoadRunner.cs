using System.Diagnostics;
using System.Net.Sockets;

namespace SmarthostLab.Bench.Load;

/// <summary>
/// Runs N workers, each one SMTP session at a time, that share a budget of M message tickets.
/// A run ends when the tickets are used up or the duration has passed (no new message starts
/// after it; I/O still outstanding is cancelled a few seconds later), whichever comes first.
/// </summary>
public sealed class LoadRunner(LoadOptions options, BenchMessage message)
{
    /// <summary>Time allowed after the duration for messages in flight and QUIT.</summary>
    private static readonly TimeSpan Grace = TimeSpan.FromSeconds(5);

    /// <summary>Consecutive failed connection attempts after which a worker gives up.</summary>
    private const int MaxConsecutiveConnectFailures = 20;

    private long _tickets;

    /// <summary>Runs the load and returns the merged counts.</summary>
    public async Task<LoadResult> RunAsync(CancellationToken cancellationToken)
    {
        _tickets = options.Messages;
        using var soft = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        using var hard = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        soft.CancelAfter(options.Duration);
        hard.CancelAfter(options.Duration + Grace);
        var started = Stopwatch.GetTimestamp();
        var workers = Enumerable.Range(0, options.Connections)
            .Select(_ => Task.Run(() => WorkerAsync(soft.Token, hard.Token), CancellationToken.None))
            .ToArray();
        var stats = await Task.WhenAll(workers).ConfigureAwait(false);
        var elapsed = Stopwatch.GetElapsedTime(started);
        return LoadResult.Merge(options, message, stats, elapsed, timedOut: soft.IsCancellationRequested && Volatile.Read(ref _tickets) > 0);
    }

    private bool TryTakeTicket(out long seq)
    {
        seq = Interlocked.Decrement(ref _tickets);
        return seq >= 0;
    }

    private async Task<WorkerStats> WorkerAsync(CancellationToken soft, CancellationToken hard)
    {
        var stats = new WorkerStats();
        var connectFailures = 0;
        while (!soft.IsCancellationRequested && Volatile.Read(ref _tickets) > 0)
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
                if (greeting != 220)
                {
                    // A refused session still uses a ticket, so a refusing server cannot make the run spin.
                    if (TryTakeTicket(out _)) stats.Refuse("greeting", greeting, session.LastNegativeText);
                    await session.QuitAsync(hard).ConfigureAwait(false);
                    continue;
                }
                var usable = await SendLoopAsync(session, stats, soft, hard).ConfigureAwait(false);
                if (usable) await session.QuitAsync(hard).ConfigureAwait(false);
            }
        }
        return stats;
    }

    /// <returns>False when the session can no longer be used (closed, 421, error).</returns>
    private async Task<bool> SendLoopAsync(RawSmtpSession session, WorkerStats stats, CancellationToken soft, CancellationToken hard)
    {
        var sent = 0;
        while ((options.PerSession == 0 || sent < options.PerSession) && !soft.IsCancellationRequested && TryTakeTicket(out var seq))
        {
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
                stats.Accepted++;
                stats.LatencyTicks.Add(outcome.LatencyTicks);
            }
            else
            {
                stats.Refuse(outcome.Stage, outcome.Code, session.LastNegativeText);
            }
            if (!outcome.SessionUsable) return false;
        }
        return true;
    }

    private static string Describe(Exception e) => e switch
    {
        SocketException s => s.SocketErrorCode.ToString(),
        EndOfStreamException => "server closed the connection",
        IOException { InnerException: SocketException s } => s.SocketErrorCode.ToString(),
        _ => $"{e.GetType().Name}: {e.Message}",
    };
}
