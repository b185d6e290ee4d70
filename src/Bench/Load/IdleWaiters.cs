using SmarthostLab.Relay.Diagnostics;
using System.Globalization;
using System.Net;

namespace SmarthostLab.Bench.Load;

/// <summary>
/// <c>load --waiters W</c>: W long-polls of <c>GET /api/v1/wait</c> for tokens no message carries, kept open at the
/// relay's API while the load runs, as a CI fleet waiting for its probes would. Each is asked again when it
/// answers (404 at its timeout). Started before the measured run; disposing cancels them.
/// </summary>
public sealed class IdleWaiters : IAsyncDisposable
{
    /// <summary>The relay's metric of open waits (a relay without it gets a fixed settling time instead).</summary>
    private const string ActiveMetric = "smarthostlab_relay_waits_active";

    /// <summary>The <c>timeout</c> each wait asks for: the relay's default <c>Api:MaxWaitTimeout</c>.</summary>
    private const int TimeoutSeconds = 300;

    private readonly HttpClient _http;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task[] _loops;
    private long _answers;
    private long _errors;

    private IdleWaiters(Uri api, int count)
    {
        // One connection per long-poll (HTTP/1.1 has no multiplexing); none times out on the client side.
        _http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = count + 4 }) { BaseAddress = api, Timeout = Timeout.InfiniteTimeSpan };
        _loops = [.. Enumerable.Range(0, count).Select(n => Task.Run(() => LoopAsync(n)))];
    }

    /// <summary>Waits answered while open (404 at their timeout; a match would be a bench error).</summary>
    public long Answers => Interlocked.Read(ref _answers);

    /// <summary>Waits that failed (connection errors, unexpected statuses).</summary>
    public long Errors => Interlocked.Read(ref _errors);

    /// <summary>
    /// Opens <paramref name="count"/> waits and returns once the relay counts them all open (its
    /// <c>smarthostlab_relay_waits_active</c> metric), or after 3 s for a relay without that metric.
    /// </summary>
    public static async Task<IdleWaiters> StartAsync(Uri api, int count, CancellationToken cancellationToken)
    {
        var waiters = new IdleWaiters(api, count);
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(60);
        while (DateTime.UtcNow < deadline)
        {
            var active = await waiters.ReadActiveAsync(cancellationToken).ConfigureAwait(false);
            if (active is null)
            {
                await Task.Delay(TimeSpan.FromSeconds(3), cancellationToken).ConfigureAwait(false);
                break;
            }
            if (active >= count) break;
            await Task.Delay(50, cancellationToken).ConfigureAwait(false);
        }
        return waiters;
    }

    private async Task LoopAsync(int n)
    {
        var path = $"/api/v1/wait?token=bench-never-{n}-{Guid.NewGuid():N}&timeout={TimeoutSeconds}";
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                using var response = await _http.GetAsync(path, _stop.Token).ConfigureAwait(false);
                Interlocked.Increment(ref response.StatusCode == HttpStatusCode.NotFound ? ref _answers : ref _errors);
            }
            catch (OperationCanceledException) when (_stop.IsCancellationRequested)
            {
                return;
            }
            catch (HttpRequestException)
            {
                Interlocked.Increment(ref _errors);
                await Task.Delay(100, CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    private async Task<double?> ReadActiveAsync(CancellationToken cancellationToken)
    {
        var text = await _http.GetStringAsync("/metrics", cancellationToken).ConfigureAwait(false);
        var samples = PrometheusText.Parse(text).Where(s => s.Name == ActiveMetric).ToList();
        return samples.Count == 0 ? null : samples.Sum(s => s.Value);
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync().ConfigureAwait(false);
        await Task.WhenAll(_loops).ConfigureAwait(false);
        _http.Dispose();
        _stop.Dispose();
    }
}
