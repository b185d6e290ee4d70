using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using SmarthostLab.Relay.Api.Contracts;
using SmarthostLab.Relay.Delivery;
using SmarthostLab.Relay.Storage;

namespace SmarthostLab.Relay.Api;

/// <summary>The outbound queue (issue 13): GET /api/v1/queue, POST /api/v1/queue/flush, POST /api/v1/messages/{id}/release.</summary>
public static class QueueEndpoints
{
    private const int DeferredListLimit = 1000;

    /// <summary>Maps the routes.</summary>
    public static void MapQueue(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/api/v1/queue", GetAsync).AddEndpointFilter(ApiAccess.ReadFilter).Answers<QueueResponse>(errors: StatusCodes.Status400BadRequest);
        routes.MapPost("/api/v1/queue/flush", FlushAsync).AddEndpointFilter(ApiAccess.AdminFilter).Answers<QueueActionResponse>();
        routes.MapPost("/api/v1/messages/{id}/release", ReleaseAsync).AddEndpointFilter(ApiAccess.AdminFilter)
            .Body<ReleaseRequest>("application/json").Answers<QueueActionResponse>(StatusCodes.Status202Accepted, StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound, StatusCodes.Status409Conflict);
    }

    private static async Task<IResult> GetAsync(IMessageStore store, DeliveryQueue queue, CancellationToken cancellationToken)
    {
        var summary = await store.GetQueueSummaryAsync(DeferredListLimit, cancellationToken).ConfigureAwait(false);
        return TypedResults.Json(new QueueResponse(summary.Counts, queue.Connections,
            [.. summary.Deferred.Select(d => new DeferredResponse(d.MessageId, d.Delivery.ToResponse()))]), RelayJson.Context.QueueResponse);
    }

    private static async Task<IResult> FlushAsync(DeliveryQueue queue, CancellationToken cancellationToken)
    {
        var moved = await queue.FlushAsync(cancellationToken).ConfigureAwait(false);
        return TypedResults.Json(new QueueActionResponse(null, moved, null), RelayJson.Context.QueueActionResponse);
    }

    private static async Task<IResult> ReleaseAsync(string id, HttpRequest request, IMessageStore store, DeliveryRouter router, CancellationToken cancellationToken)
    {
        ReleaseRequest? body;
        try
        {
            body = await request.ReadFromJsonAsync(RelayJson.Context.ReleaseRequest, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is System.Text.Json.JsonException or InvalidOperationException)
        {
            return ApiErrors.BadRequest("body: expected JSON {\"nextHop\":\"host:port\"}");
        }
        string? nextHop = body?.NextHop;
        if (string.IsNullOrWhiteSpace(nextHop))
        {
            var route = router.RouteOf(null);
            nextHop = route.NextHop;
            if (string.IsNullOrWhiteSpace(nextHop)) return ApiErrors.BadRequest("nextHop: required (host:port or [ip]:port)");
        }
        if (!Destination.TryParseHostPort(nextHop, out _, out _, out _, out var error)) return ApiErrors.BadRequest($"nextHop: {error}");
        if (await store.GetMessageAsync(id, cancellationToken).ConfigureAwait(false) is not { } message) return ApiErrors.NotFound($"no message {id}");
        var jobs = DeliveryRouter.PlanTo(message with { ReceivedAt = DateTimeOffset.UtcNow }, nextHop);
        switch (await store.QueueMessageAsync(id, jobs, cancellationToken).ConfigureAwait(false))
        {
            case QueueResult.NotFound: return ApiErrors.NotFound($"no message {id}");
            case QueueResult.AlreadyQueued: return ApiErrors.Error(StatusCodes.Status409Conflict, $"message {id} is already queued for delivery (GET /api/v1/messages/{id} shows its recipients' states)");
        }
        return TypedResults.Json(new QueueActionResponse(id, message.Recipients.Count, Destination.NextHop(nextHop)),
            RelayJson.Context.QueueActionResponse, statusCode: StatusCodes.Status202Accepted);
    }
}
