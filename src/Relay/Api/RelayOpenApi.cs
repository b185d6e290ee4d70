using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.OpenApi;

namespace SmarthostLab.Relay.Api;

/// <summary>
/// The API's OpenAPI 3 document (issue 17), generated from the endpoints by Microsoft.AspNetCore.OpenApi and served at
/// <c>GET /openapi/v1.json</c>; a copy is kept in docs/openapi.json and a test fails when the two differ.
/// </summary>
public static class RelayOpenApi
{
    /// <summary>The document's path.</summary>
    public const string Path = "/openapi/v1.json";

    /// <summary>Registers the document.</summary>
    public static IServiceCollection AddRelayOpenApi(this IServiceCollection services) =>
        services.AddOpenApi("v1", options => options.AddDocumentTransformer((document, _, _) =>
        {
            document.Info.Title = "SmarthostLab relay API";
            document.Info.Version = "v1";
            document.Info.Description = "The relay's HTTP API: stored messages with their SPF, DKIM and DMARC verdicts, refusals, accounts, "
                + "the outbound queue, fault rules, and waiting for a message in CI. Read routes are open from loopback; admin routes "
                + "need Authorization: Bearer <Api:AdminToken>. See docs/API.md.";
            document.Servers?.Clear(); // the address the relay listens on is the caller's business, and the copy in docs/ must not vary
            // Message.verdict is the Verdict of POST /api/v1/verify, null when stored with verification off: named by a plain
            // reference, as since the first document, so generated clients keep their type.
            if (document.Components?.Schemas is { } schemas && schemas.ContainsKey(nameof(Verdict))
                && schemas.TryGetValue(nameof(MessageResponse), out var message) && message is OpenApiSchema { Properties: { } properties })
                properties["verdict"] = new OpenApiSchemaReference(nameof(Verdict), document);
            return Task.CompletedTask;
        }));

    /// <summary>Serves the document (read access like the other GET routes).</summary>
    public static void MapRelayOpenApi(this WebApplication app) =>
        app.MapOpenApi(Path).AddEndpointFilter(ApiAccess.ReadFilter);

    /// <summary>A JSON answer of <typeparamref name="T"/> with <paramref name="status"/>, and the API's errors.</summary>
    internal static RouteHandlerBuilder Answers<T>(this RouteHandlerBuilder builder, int status = StatusCodes.Status200OK, params int[] errors)
    {
        builder.Produces<T>(status, "application/json");
        foreach (var error in errors) builder.Produces<ErrorResponse>(error, "application/json");
        return builder;
    }

    /// <summary>Documents the query parameters a handler reads itself from the query string (name, what it means).</summary>
    internal static RouteHandlerBuilder Query(this RouteHandlerBuilder builder, params (string Name, string Description)[] parameters) =>
        builder.AddOpenApiOperationTransformer((operation, _, _) =>
        {
            operation.Parameters ??= [];
            foreach (var (name, description) in parameters)
                operation.Parameters.Add(new OpenApiParameter { Name = name, In = ParameterLocation.Query, Description = description, Schema = new OpenApiSchema { Type = JsonSchemaType.String } });
            return Task.CompletedTask;
        });

    /// <summary>The listing filters of GET /api/v1/messages, shared by /api/v1/wait.</summary>
    internal static readonly (string, string)[] MessageFilters =
    [
        ("token", "a token in the Subject or any header value (case-insensitive)"),
        ("from", "text in the MAIL FROM or From"), ("to", "text in a recipient"), ("subject", "text in the Subject"),
        ("account", "account name"), ("since", "ISO 8601 time: received at or after"),
        ("spf", "pass, fail, softfail, neutral, none, temperror, permerror"), ("dkim", "pass, fail, neutral, policy, temperror, permerror, none"),
        ("dmarc", "pass, fail, none, temperror, permerror"), ("action", "accept, tag, quarantine, reject"),
        ("quarantined", "true or false"), ("delivery", "stored, queued, deferred, delivered, bounced, expired"),
    ];

    /// <summary>
    /// Documents the request body as <typeparamref name="T"/> in <paramref name="contentType"/>. Not <c>Accepts</c>: that
    /// would also refuse (415) a body sent with another content type, which the handlers take (curl -d sends form
    /// encoding; POST /api/v1/verify reads any body as octets).
    /// </summary>
    internal static RouteHandlerBuilder Body<T>(this RouteHandlerBuilder builder, string contentType) =>
        builder.AddOpenApiOperationTransformer(async (operation, context, cancellationToken) =>
        {
            var schema = await context.GetOrCreateSchemaAsync(typeof(T), null, cancellationToken).ConfigureAwait(false);
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Content = new Dictionary<string, OpenApiMediaType> { [contentType] = new OpenApiMediaType { Schema = schema } },
            };
        });

    /// <summary>The API's errors only (the success answer is not JSON, or is empty).</summary>
    internal static RouteHandlerBuilder Errors(this RouteHandlerBuilder builder, params int[] errors)
    {
        foreach (var error in errors) builder.Produces<ErrorResponse>(error, "application/json");
        return builder;
    }
}
