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

    /// <summary>404.</summary>
    public static JsonHttpResult<ErrorResponse> NotFound(string error) => Error(StatusCodes.Status404NotFound, error);
}
