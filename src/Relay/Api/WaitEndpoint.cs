using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using SmarthostLab.Relay.Api.Contracts;
using SmarthostLab.Relay.Configuration;
using SmarthostLab.Relay.Storage;

namespace SmarthostLab.Relay.Api;

/// <summary>
/// GET /api/v1/wait?token=…&amp;timeout=30: long-poll for a message matching the token. Registers with the store's
/// <see cref="MessageWaiters"/> first, then looks through the store once (the token index narrows that to a few
/// rows). From then on the writer wakes it only for a commit that stored a message containing the token or changed
/// the delivery of the message it watches, and it reads just those messages by id: an open wait costs a commit an
/// in-memory test per new message (<see cref="MessageWaiters"/>), never a query, and nothing is polled.
/// </summary>
public static class WaitEndpoint
{
    /// <summary>Maps the route.</summary>
    public static void MapWait(this IEndpointRouteBuilder routes) =>
        routes.MapGet("/api/v1/wait", WaitAsync).AddEndpointFilter(ApiAccess.ReadFilter)
            .Answers<MessageResponse>(errors: [StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status503ServiceUnavailable])
            .Query([.. RelayOpenApi.MessageFilters, ("timeout", "seconds to wait, up to Api:MaxWaitTimeout (30); 404 when nothing matched in time")]);

    private static async Task<IResult> WaitAsync(
        HttpRequest request, IMessageStore store, IOptions<ApiOptions> options, IHostApplicationLifetime lifetime, TimeProvider time, CancellationToken cancellationToken)
    {
        var parameters = new QueryParameters(request.Query);
        var max = options.Value.MaxWaitTimeout.TotalSeconds;
        var seconds = parameters.Seconds("timeout", Math.Min(30, max), max);
        if (parameters.Error is { } error) return ApiErrors.BadRequest(error);
        if (MessagesEndpoints.ParseQuery(request.Query, out error) is not { } query) return ApiErrors.BadRequest(error!);
        if (query.Token is not { } token) return ApiErrors.BadRequest("token: required");
        // delivery=STATE waits for the message, then for every recipient to reach that state or a final one.
        var delivery = query.Delivery;
        query = query with { Delivery = null };

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(seconds), time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken, lifetime.ApplicationStopping);
        using var waiter = store.Waiters.Add(token); // before the first look: a commit in between is seen by one or the other
        StoredMessage? found = null;
        IReadOnlyCollection<string>? among = null; // null: look through the whole store
        while (true)
        {
            var next = await store.FindMessageAsync(query, among, cancellationToken).ConfigureAwait(false);
            // The message it watched is gone (deleted): look through the store again, as at the start.
            if (next is null && found is not null) next = await store.FindMessageAsync(query, null, cancellationToken).ConfigureAwait(false);
            found = next;
            if (found is not null)
            {
                if (Reached(found, delivery)) return TypedResults.Json(found.ToResponse(), RelayJson.Context.MessageResponse);
                if (waiter.Watch(found))
                {
                    // A delivery change committed before the watch took effect woke nobody: read the message once more.
                    among = [found.Id];
                    continue;
                }
            }
            try
            {
                var woken = await waiter.NextAsync(linked.Token).ConfigureAwait(false);
                among = found is null ? woken : [.. woken, found.Id];
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested)
            {
                // 404, not 408: resilience handlers (Polly, Microsoft.Extensions.Http.Resilience) retry 408, 429 and 5xx on
                // their own, which would multiply a CI job's wait; no message matched the filters, and 404 says so.
                return ApiErrors.Error(StatusCodes.Status404NotFound, delivery is null || found is null
                    ? $"no message matching '{token}' within {seconds:0.###} s"
                    : $"message {found.Id} matching '{token}' did not reach delivery state '{delivery}' within {seconds:0.###} s (now: {string.Join(", ", found.Delivery.Select(d => d.State))})");
            }
            catch (OperationCanceledException) when (lifetime.ApplicationStopping.IsCancellationRequested)
            {
                return ApiErrors.Error(StatusCodes.Status503ServiceUnavailable, "the relay is shutting down");
            }
        }
    }

    /// <summary>True when no state is asked, or every recipient is in <paramref name="state"/> or a final state (stored counts: in Store mode nothing leaves).</summary>
    private static bool Reached(StoredMessage message, string? state) =>
        state is null || message.Delivery.All(d => d.State == state || d.State == DeliveryStates.Stored || DeliveryStates.IsFinal(d.State));
}
