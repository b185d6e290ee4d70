using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Logging;
using SmarthostLab.Relay.Api;
using SmarthostLab.Relay.Storage;

namespace SmarthostLab.Relay.Web;

/// <summary>
/// <c>GET /api/v1/messages/{id}/parts</c> (headers, text and HTML bodies, attachments: <see cref="MessageParts"/>) and
/// <c>GET /api/v1/messages/{id}/html</c> (the HTML body alone, for the page's sandboxed frame, under a policy that lets
/// nothing run and nothing load: <see cref="HtmlPolicy"/>). Read access.
/// </summary>
public static class MessagePartsEndpoints
{
    /// <summary>
    /// The Content-Security-Policy of a message's HTML: no script, no request anywhere (remote images, fonts, styles
    /// are blocked), inline styles and data: images only; sandboxed even when opened on its own.
    /// </summary>
    public const string HtmlPolicy = "default-src 'none'; img-src data:; style-src 'unsafe-inline'; sandbox; frame-ancestors 'self'; base-uri 'none'; form-action 'none'";

    /// <summary>Maps the routes.</summary>
    public static void MapMessageParts(this IEndpointRouteBuilder routes)
    {
        var read = routes.MapGroup("/api/v1/messages/{id}").AddEndpointFilter(ApiAccess.ReadFilter);
        read.MapGet("/parts", PartsAsync);
        read.MapGet("/html", HtmlAsync);
    }

    private static async Task<IResult> PartsAsync(string id, IMessageStore store, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        if (await store.GetRawAsync(id, cancellationToken).ConfigureAwait(false) is not { } raw) return ApiErrors.NotFound($"no message {id}");
        var parts = MessageParts.Read(raw);
        if (parts.Problem is { } problem) WebLog.PartsUnreadable(loggers.CreateLogger(typeof(MessagePartsEndpoints).FullName!), id, problem);
        return TypedResults.Json(parts, WebJsonContext.Api.MessageParts);
    }

    private static async Task<IResult> HtmlAsync(string id, HttpResponse response, IMessageStore store, CancellationToken cancellationToken)
    {
        if (await store.GetRawAsync(id, cancellationToken).ConfigureAwait(false) is not { } raw) return ApiErrors.NotFound($"no message {id}");
        if (MessageParts.Read(raw).Html is not { } html) return ApiErrors.NotFound($"message {id} has no HTML part");
        var headers = response.Headers;
        headers.ContentSecurityPolicy = HtmlPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers.CacheControl = "no-store";
        return TypedResults.Text(html, "text/html; charset=utf-8");
    }
}
