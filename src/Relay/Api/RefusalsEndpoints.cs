using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using SmarthostLab.Relay.Api.Contracts;
using SmarthostLab.Relay.Storage;

namespace SmarthostLab.Relay.Api;

/// <summary>GET /api/v1/refusals?ip=&amp;since=&amp;limit=100.</summary>
public static class RefusalsEndpoints
{
    /// <summary>Maps the route.</summary>
    public static void MapRefusals(this IEndpointRouteBuilder routes) =>
        routes.MapGet("/api/v1/refusals", ListAsync).AddEndpointFilter(ApiAccess.ReadFilter).Answers<RefusalListResponse>(errors: StatusCodes.Status400BadRequest)
            .Query(("ip", "client IP, any spelling"), ("since", "ISO 8601 time"), ("limit", "1-1000 (100)"));

    private static async Task<IResult> ListAsync(HttpRequest request, IMessageStore store, CancellationToken cancellationToken)
    {
        var q = new QueryParameters(request.Query);
        var query = new RefusalQuery(q.Ip("ip")?.ToString(), q.Time("since"), q.Int("limit", 100, 1, 10_000));
        if (q.Error is { } error) return ApiErrors.BadRequest(error);
        var page = await store.QueryRefusalsAsync(query, cancellationToken).ConfigureAwait(false);
        return TypedResults.Json(new RefusalListResponse([.. page.Refusals.Select(r => r.ToResponse())], page.Total), RelayJson.Context.RefusalListResponse);
    }
}
