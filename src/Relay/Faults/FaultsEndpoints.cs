using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using SmarthostLab.Relay.Api;

namespace SmarthostLab.Relay.Faults;

/// <summary>
/// <c>/api/v1/faults</c> (issue 14): list and read (read access), add and remove (admin token, as the account
/// changes). Changes are persisted and apply to the next stage a session reaches.
/// </summary>
public static class FaultsEndpoints
{
    /// <summary>Maps the routes.</summary>
    public static void MapFaults(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/api/v1/faults", List).AddEndpointFilter(ApiAccess.ReadFilter).Answers<FaultListResponse>();
        routes.MapGet("/api/v1/faults/{name}", Get).AddEndpointFilter(ApiAccess.ReadFilter).Answers<FaultRuleResponse>(errors: StatusCodes.Status404NotFound);
        var admin = routes.MapGroup("/api/v1/faults").AddEndpointFilter(ApiAccess.AdminFilter);
        admin.MapPost("", AddAsync).Body<FaultRuleOptions>("application/json").Answers<FaultRuleResponse>(StatusCodes.Status201Created, StatusCodes.Status400BadRequest, StatusCodes.Status409Conflict);
        admin.MapDelete("", RemoveAllAsync).Answers<FaultListResponse>();
        admin.MapDelete("/{name}", RemoveAsync).Answers<FaultRuleResponse>(errors: StatusCodes.Status404NotFound);
    }

    private static IResult List(FaultInjector faults) =>
        TypedResults.Json(new FaultListResponse([.. faults.Rules.Select(FaultRuleResponse.Of)]), FaultJson.Context.FaultListResponse);

    private static IResult Get(string name, FaultInjector faults) =>
        faults.Get(name) is { } rule ? TypedResults.Json(FaultRuleResponse.Of(rule), FaultJson.Context.FaultRuleResponse) : ApiErrors.NotFound($"no fault rule {name}");

    private static async Task<IResult> AddAsync(HttpRequest request, FaultInjector faults, CancellationToken cancellationToken)
    {
        FaultRuleOptions? body;
        try
        {
            body = await request.ReadFromJsonAsync(FaultJson.Context.FaultRuleOptions, cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException exception)
        {
            return ApiErrors.BadRequest(BodyProblem(exception));
        }
        catch (InvalidOperationException)
        {
            return ApiErrors.BadRequest("body: expected application/json, a fault rule such as {\"name\":\"tempfail\",\"stage\":\"rcpt\",\"reply\":{\"code\":451}}");
        }
        if (body is null) return ApiErrors.BadRequest("body: expected a JSON object, a fault rule");
        var (rule, error, problems) = await faults.AddAsync(body, cancellationToken).ConfigureAwait(false);
        return error switch
        {
            FaultChangeError.None => TypedResults.Json(FaultRuleResponse.Of(rule!), FaultJson.Context.FaultRuleResponse, statusCode: StatusCodes.Status201Created),
            FaultChangeError.Exists => ApiErrors.Error(StatusCodes.Status409Conflict, $"name: a fault rule {rule!.Name} exists; DELETE /api/v1/faults/{rule.Name} first"),
            _ => ApiErrors.BadRequest(string.Join("; ", problems)),
        };
    }

    private static async Task<IResult> RemoveAsync(string name, FaultInjector faults, CancellationToken cancellationToken) =>
        await faults.RemoveAsync(name, cancellationToken).ConfigureAwait(false) is { } rule
            ? TypedResults.Json(FaultRuleResponse.Of(rule), FaultJson.Context.FaultRuleResponse)
            : ApiErrors.NotFound($"no fault rule {name}");

    private static async Task<IResult> RemoveAllAsync(FaultInjector faults, CancellationToken cancellationToken)
    {
        var removed = await faults.RemoveAllAsync(cancellationToken).ConfigureAwait(false);
        return TypedResults.Json(new FaultListResponse([.. removed.Select(FaultRuleResponse.Of)]), FaultJson.Context.FaultListResponse);
    }

    /// <summary>
    /// A JSON error as one line naming the field: "delay: '5s' is not a time span such as 00:00:05",
    /// "body: unknown field 'stgae'", "reply.code: expected a number".
    /// </summary>
    private static string BodyProblem(JsonException exception)
    {
        var path = exception.Path is { Length: > 1 } p ? p.TrimStart('$', '.') : "";
        var message = exception.Message;
        var unknown = message.IndexOf("The JSON property '", StringComparison.Ordinal);
        if (unknown >= 0)
        {
            var start = unknown + "The JSON property '".Length;
            var end = message.IndexOf('\'', start);
            var field = end > start ? message[start..end] : "?";
            var at = path.Contains('.', StringComparison.Ordinal) ? path[..path.LastIndexOf('.')] : "";
            return $"{(at.Length == 0 ? "body" : at)}: unknown field '{field}'";
        }
        if (path.Length == 0) return $"body: not JSON of a fault rule ({message.Split('\n')[0].Trim()})";
        var expected = message.Contains("System.TimeSpan", StringComparison.Ordinal) ? "a time span such as \"00:00:05\""
            : message.Contains("System.Int", StringComparison.Ordinal) || message.Contains("System.Double", StringComparison.Ordinal) ? "a number"
            : message.Contains("System.Boolean", StringComparison.Ordinal) ? "true or false"
            : message.Contains("System.String", StringComparison.Ordinal) ? "a string"
            : message.Contains("FaultReplyOptions", StringComparison.Ordinal) ? "an object such as {\"code\":451}"
            : "another value";
        return $"{path}: expected {expected}";
    }
}
