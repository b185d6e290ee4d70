using SmarthostLab.Relay.Diagnostics;
using System.Globalization;

namespace SmarthostLab.Bench.Load;

/// <summary>
/// Reads the relay's outbound queue from its <c>/metrics</c> (cheap: counters and a gauge, no table scan): recipients
/// delivered, failed attempts, and how many are still queued, deferred or in an attempt. Polls every 100 ms while it
/// waits for the queue to drain, bounded by a timeout.
/// </summary>
public sealed class RelayQueueWatch : IDisposable
{
    private readonly HttpClient _http;

    /// <summary>Watches the relay whose API is at <paramref name="api"/>.</summary>
    public RelayQueueWatch(Uri api) => _http = new HttpClient { BaseAddress = api, Timeout = TimeSpan.FromSeconds(10) };

    /// <summary>The relay's queue figures now.</summary>
    public async Task<(long Delivered, long Failed, long Pending)> ReadAsync(CancellationToken cancellationToken)
    {
        var text = await _http.GetStringAsync("/metrics", cancellationToken).ConfigureAwait(false);
        long delivered = 0, failed = 0, pending = 0;
        foreach (var sample in PrometheusText.Parse(text))
        {
            if (sample.Name == "smarthostlab_relay_delivery_attempts_total")
            {
                if (sample.Labels.GetValueOrDefault("outcome") == "delivered") delivered += (long)sample.Value;
                else failed += (long)sample.Value;
            }
            else if (sample.Name == "smarthostlab_relay_queue_size") pending += (long)sample.Value;
        }
        return (delivered, failed, pending);
    }

    /// <summary>Waits until nothing is queued, deferred or in an attempt (true), or <paramref name="timeout"/> passes (false).</summary>
    public async Task<(bool Drained, (long Delivered, long Failed, long Pending) State)> WaitDrainedAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        (long Delivered, long Failed, long Pending) state = default;
        while (true)
        {
            try
            {
                state = await ReadAsync(cancellationToken).ConfigureAwait(false);
                if (state.Pending == 0) return (true, state);
            }
            catch (HttpRequestException exception)
            {
                // The relay went away (stopped, crashed): the queue did not drain as far as anyone can tell.
                await Console.Error.WriteLineAsync($"load: cannot read the relay's queue at {_http.BaseAddress}metrics: {exception.Message}").ConfigureAwait(false);
                return (false, state);
            }
            if (DateTime.UtcNow >= deadline) return (false, state);
            await Task.Delay(100, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();
}
