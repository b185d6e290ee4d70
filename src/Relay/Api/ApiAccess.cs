using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
using SmarthostLab.Relay.Api.Contracts;
using SmarthostLab.Relay.Configuration;

namespace SmarthostLab.Relay.Api;

/// <summary>
/// Access rules of the API. Read routes: open from loopback; from other addresses open when Api:ReadToken
/// is empty, else they need <c>Authorization: Bearer &lt;ReadToken or AdminToken&gt;</c> (401 missing, 403 wrong).
/// Admin routes: 404 when Api:AdminToken is empty; else <c>Authorization: Bearer &lt;AdminToken&gt;</c>
/// from any address, loopback included (401 missing, 403 wrong).
/// </summary>
public static class ApiAccess
{
    /// <summary>Endpoint filter of read routes.</summary>
    public static ValueTask<object?> ReadFilter(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var options = http.RequestServices.GetRequiredService<IOptions<ApiOptions>>().Value;
        var remote = http.Connection.RemoteIpAddress;
        if (string.IsNullOrEmpty(options.ReadToken) || remote is null || IPAddress.IsLoopback(remote)) return next(context);
        var bearer = Bearer(http);
        if (bearer is null) return Deny(StatusCodes.Status401Unauthorized, "a bearer token (Api:ReadToken) is required from non-loopback clients");
        if (!Matches(bearer, options.ReadToken) && !(options.AdminToken is { Length: > 0 } admin && Matches(bearer, admin)))
            return Deny(StatusCodes.Status403Forbidden, "the bearer token is not valid");
        return next(context);
    }

    /// <summary>Endpoint filter of admin routes.</summary>
    public static ValueTask<object?> AdminFilter(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        var http = context.HttpContext;
        var options = http.RequestServices.GetRequiredService<IOptions<ApiOptions>>().Value;
        if (string.IsNullOrEmpty(options.AdminToken)) return Deny(StatusCodes.Status404NotFound, "admin routes are off (no Api:AdminToken configured)");
        var bearer = Bearer(http);
        if (bearer is null) return Deny(StatusCodes.Status401Unauthorized, "a bearer token (Api:AdminToken) is required");
        if (!Matches(bearer, options.AdminToken)) return Deny(StatusCodes.Status403Forbidden, "the bearer token is not valid");
        return next(context);
    }

    private static string? Bearer(HttpContext http)
    {
        var header = http.Request.Headers.Authorization.ToString();
        return header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) ? header[7..].Trim() : null;
    }

    private static bool Matches(string given, string expected) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(expected));

    private static ValueTask<object?> Deny(int status, string error) =>
        ValueTask.FromResult<object?>(TypedResults.Json(new ErrorResponse(error), RelayJson.Context.ErrorResponse, statusCode: status));
}
