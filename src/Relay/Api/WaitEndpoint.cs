using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using SmarthostLab.Relay.Api.Contracts;
using SmarthostLab.Relay.Configuration;
using SmarthostLab.Relay.Storage;

namespace SmarthostLab.Relay.Api;

/// <summary>
/// GET /api/v1/wait?token=…&amp;timeout=30: long-poll for a message matching the token. Checks the store,
/// then sleeps on the store's change notification (taken before the check, so nothing committed in
/// between is missed) and checks again; never polls in a loop.
/// </summary>
public static class WaitEndpoint
{
    /// <summary>Maps the route.</summary>
    public static void MapWait(this IEndpointRouteBuilder routes) =>
        routes.MapGet("/api/v1/wait", WaitAsync).AddEndpointFilter(ApiAccess.ReadFilter);

    private static async Task<IResult> WaitAsync(
        HttpRequest request, IMessageStore store, IOptions<ApiOptions> options, IHostApplicationLifetime lifetime, TimeProvider time, CancellationToken cancellationToken)
    {
        var parameters = new QueryParameters(request.Query);
        var max = options.Value.MaxWaitTimeout.TotalSeconds;
        var seconds = parameters.Seconds("timeout", Math.Min(30, max), max);
        if (parameters.Error is { } error) return ApiErrors.BadRequest(error);
        if (MessagesEndpoints.ParseQuery(request.Query, out error) is not { } query) return ApiErrors.BadRequest(error!);
        if (query.Token is null) return ApiErrors.BadRequest("token: required");
        // delivery=STATE waits for the message, then for every recipient to reach that state or a final one.
        var delivery = query.Delivery;
        query = query with { Limit = 1, Offset = 0, Delivery = null };

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(seconds), time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(timeout.Token, cancellationToken, lifetime.ApplicationStopping);
        while (true)
        {
            var changed = store.MessagesChanged;
            var page = await store.QueryMessagesAsync(query, cancellationToken).ConfigureAwait(false);
            if (page.Messages.Count > 0 && Reached(page.Messages[0], delivery))
                return TypedResults.Json(page.Messages[0].ToResponse(), RelayJson.Context.MessageResponse);
            try
            {
                await changed.WaitAsync(linked.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested)
            {
                return ApiErrors.Error(StatusCodes.Status408RequestTimeout, delivery is null || page.Messages.Count == 0
                    ? $"no message matching '{query.Token}' within {seconds:0.###} s"
                    : $"message {page.Messages[0].Id} matching '{query.Token}' did not reach delivery state '{delivery}' within {seconds:0.###} s (now: {string.Join(", ", page.Messages[0].Delivery.Select(d => d.State))})");
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
