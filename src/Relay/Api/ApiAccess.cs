using System.Net;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;
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
    public static ValueTask<object?> ReadFilter(EndpointFilterInvocationContext context, EndpointFilterDelegate next) =>
        ReadDenial(context.HttpContext) is { } denial ? Deny(denial.Status, denial.Error) : next(context);

    /// <summary>The same rule for a route that is not a route handler (the metrics scrape): null when the request may read.</summary>
    public static (int Status, string Error)? ReadDenial(HttpContext http)
    {
        var options = http.RequestServices.GetRequiredService<IOptions<ApiOptions>>().Value;
        var remote = http.Connection.RemoteIpAddress;
        if (string.IsNullOrEmpty(options.ReadToken) || remote is null || IPAddress.IsLoopback(remote)) return null;
        var bearer = Bearer(http);
        if (bearer is null) return (StatusCodes.Status401Unauthorized, "a bearer token (Api:ReadToken) is required from non-loopback clients");
        if (!Matches(bearer, options.ReadToken) && !(options.AdminToken is { Length: > 0 } admin && Matches(bearer, admin)))
            return (StatusCodes.Status403Forbidden, "the bearer token is not valid");
        return null;
    }

    /// <summary>Writes a denial of <see cref="ReadDenial"/> as the API's JSON error.</summary>
    public static Task WriteDenialAsync(HttpContext http, (int Status, string Error) denial)
    {
        http.Response.StatusCode = denial.Status;
        return http.Response.WriteAsJsonAsync(new ErrorResponse(denial.Error), RelayJson.Context.ErrorResponse);
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
