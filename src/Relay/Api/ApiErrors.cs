using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.HttpResults;

namespace SmarthostLab.Relay.Api;

/// <summary>The API's error replies: <c>{"error":"…"}</c> with a status code.</summary>
public static class ApiErrors
{
    /// <summary>An error reply.</summary>
    public static JsonHttpResult<ErrorResponse> Error(int status, string error) =>
        TypedResults.Json(new ErrorResponse(error), RelayJson.Context.ErrorResponse, statusCode: status);

    /// <summary>400.</summary>
    public static JsonHttpResult<ErrorResponse> BadRequest(string error) => Error(StatusCodes.Status400BadRequest, error);

    /// <summary>
    /// A store that cannot be reached or read (PostgreSQL restarting or failing over, a broken pooled connection, a disk
    /// error) answers 503 with Retry-After instead of a bare 500: the request can be repeated, and HTTP clients' resilience
    /// handlers do. The log has the exception.
    /// </summary>
    public static void UseStoreFailureAnswer(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch (System.Data.Common.DbException exception) when (!context.Response.HasStarted)
        {
            Hosting.HostingLog.StoreUnreadable(context.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger("SmarthostLab.Relay.Api"),
                context.Request.Path.Value, exception);
            context.Response.Clear();
            context.Response.Headers.RetryAfter = "1";
            await Error(StatusCodes.Status503ServiceUnavailable, "the store could not be read (" + exception.Message.Split('\n')[0] + "); try again")
                .ExecuteAsync(context).ConfigureAwait(false);
        }
    });

    /// <summary>404.</summary>
    public static JsonHttpResult<ErrorResponse> NotFound(string error) => Error(StatusCodes.Status404NotFound, error);
}
