using System.Buffers;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using SmarthostLab.Relay.Api;

namespace SmarthostLab.Relay.Web;

/// <summary>
/// <c>GET /api/v1/events</c>: Server-Sent Events (text/event-stream) of what the store commits, for the web page.
/// Read access like every GET route (<see cref="ApiAccess"/>): the page reads the stream with <c>fetch</c>, which sends
/// its token as <c>Authorization: Bearer</c>, so no token is ever put in a URL or a cookie.
/// <list type="bullet">
/// <item><c>event: hello</c> first: the client listens from here on (it loads the page after it and misses nothing);</item>
/// <item><c>event: message</c>, data the API's Message; <c>event: refusal</c>, data the API's Refusal;</item>
/// <item><c>event: delivery</c> (a recipient's delivery state changed) and <c>event: deleted</c> (messages were deleted): reload;</item>
/// <item><c>event: resync</c>: frames were dropped for this client (it read too slowly): reload;</item>
/// <item>a comment line every <see cref="HeartbeatInterval"/> while nothing happens.</item>
/// </list>
/// 503 when <see cref="LiveFeed.MaxSubscribers"/> clients listen already. A client that does not take what is written
/// within <see cref="WriteTimeout"/> is disconnected. The stream ends when the relay stops.
/// </summary>
public static class EventsEndpoint
{
    /// <summary>A comment line is sent after this long without an event.</summary>
    public static readonly TimeSpan HeartbeatInterval = TimeSpan.FromSeconds(15);

    /// <summary>The longest a write may wait for the client to read.</summary>
    public static readonly TimeSpan WriteTimeout = TimeSpan.FromSeconds(30);

    /// <summary>Maps the route.</summary>
    public static void MapEvents(this IEndpointRouteBuilder routes) =>
        routes.MapGet("/api/v1/events", StreamAsync).AddEndpointFilter(ApiAccess.ReadFilter);

    private static async Task<IResult> StreamAsync(
        HttpContext http, LiveFeed feed, TimeProvider time, IHostApplicationLifetime lifetime, ILoggerFactory loggers)
    {
        if (feed.Subscribe() is not { } subscriber)
            return ApiErrors.Error(StatusCodes.Status503ServiceUnavailable, $"too many live clients ({LiveFeed.MaxSubscribers}); try again later");
        var logger = loggers.CreateLogger(typeof(EventsEndpoint).FullName!);
        using var stopping = CancellationTokenSource.CreateLinkedTokenSource(http.RequestAborted, lifetime.ApplicationStopping);
        var cancel = stopping.Token;
        try
        {
            var response = http.Response;
            response.ContentType = "text/event-stream; charset=utf-8";
            response.Headers.CacheControl = "no-store";
            response.Headers["X-Accel-Buffering"] = "no";
            http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
            WebLog.EventsOpened(logger, http.Connection.RemoteIpAddress?.ToString() ?? "?", feed.Subscribers);
            if (!await WriteAsync(http, LiveFeed.HelloFrame, time, cancel).ConfigureAwait(false)) return TypedResults.Empty;
            var frames = subscriber.Frames;
            while (!cancel.IsCancellationRequested)
            {
                bool ready;
                using (var idle = new CancellationTokenSource(HeartbeatInterval, time))
                using (var wait = CancellationTokenSource.CreateLinkedTokenSource(cancel, idle.Token))
                {
                    try
                    {
                        ready = await frames.WaitToReadAsync(wait.Token).ConfigureAwait(false);
                    }
                    catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
                    {
                        if (!await WriteAsync(http, LiveFeed.HeartbeatFrame, time, cancel).ConfigureAwait(false)) break;
                        continue;
                    }
                }
                if (!ready) break; // the feed stopped
                if (!await SendQueuedAsync(http, subscriber, time, cancel).ConfigureAwait(false)) break;
            }
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested)
        {
            // The client went away or the relay is stopping.
        }
        finally
        {
            feed.Unsubscribe(subscriber);
        }
        return TypedResults.Empty;
    }

    /// <summary>Writes what is queued in one flush; after a drop, a resync in place of it all.</summary>
    private static async Task<bool> SendQueuedAsync(HttpContext http, LiveSubscriber subscriber, TimeProvider time, CancellationToken cancel)
    {
        var body = http.Response.BodyWriter;
        if (subscriber.TakeOverflow())
        {
            while (subscriber.Frames.TryRead(out _)) { }
            return await WriteAsync(http, LiveFeed.ResyncFrame, time, cancel).ConfigureAwait(false);
        }
        var any = false;
        while (subscriber.Frames.TryRead(out var frame))
        {
            if (ReferenceEquals(frame, LiveFeed.ResyncFrame)) continue; // a wake-up; the overflow mark says what to do
            body.Write(frame);
            any = true;
        }
        if (subscriber.TakeOverflow())
        {
            // Dropped while these were queued: the client reloads after them.
            while (subscriber.Frames.TryRead(out _)) { }
            body.Write(LiveFeed.ResyncFrame);
            any = true;
        }
        return !any || await FlushAsync(http, time, cancel).ConfigureAwait(false);
    }

    private static async Task<bool> WriteAsync(HttpContext http, byte[] frame, TimeProvider time, CancellationToken cancel)
    {
        http.Response.BodyWriter.Write(frame);
        return await FlushAsync(http, time, cancel).ConfigureAwait(false);
    }

    /// <summary>Flushes within <see cref="WriteTimeout"/>; a client that does not read by then is disconnected (false).</summary>
    private static async Task<bool> FlushAsync(HttpContext http, TimeProvider time, CancellationToken cancel)
    {
        using var timeout = new CancellationTokenSource(WriteTimeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancel, timeout.Token);
        try
        {
            var result = await http.Response.BodyWriter.FlushAsync(linked.Token).ConfigureAwait(false);
            if (result.IsCompleted) return false;
            if (!result.IsCanceled) return true;
        }
        catch (OperationCanceledException) when (!cancel.IsCancellationRequested)
        {
        }
        if (cancel.IsCancellationRequested) return false;
        http.Abort(); // the client stopped reading: its connection goes, and with it the buffered frames
        return false;
    }
}
