using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using SmarthostLab.Relay.Storage;

namespace SmarthostLab.Relay.Web;

/// <summary>
/// The web page (issue 15): <c>GET /</c> and <c>GET /assets/{file}</c>, its live feed (<see cref="EventsEndpoint"/>) and
/// the message parts it shows (<see cref="MessagePartsEndpoints"/>). The page itself holds no data, so it is served
/// to anyone who reaches the HTTP endpoint; what it shows comes from the API under the API's access rules.
/// </summary>
public static class WebEndpoints
{
    /// <summary>
    /// The page's Content-Security-Policy: its own files only, no inline script or style, no eval, no plugin, not
    /// framed by anyone; frames only from the relay (a message's HTML, itself under <see cref="MessagePartsEndpoints.HtmlPolicy"/>).
    /// </summary>
    public const string PagePolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-src 'self'; " +
        "object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

    /// <summary>Maps the page, its files, the live feed and the parts routes; hooks the feed into the store.</summary>
    public static void MapWeb(this WebApplication app)
    {
        var store = app.Services.GetRequiredService<MessageStore>();
        store.Feed = app.Services.GetRequiredService<LiveFeed>();
        // The page and its files are not API (the OpenAPI document leaves them out).
        app.MapGet("/", (HttpContext http, WebAssets assets) => Serve(http, assets.Find("index.html"))).ExcludeFromDescription();
        app.MapGet("/assets/{file}", (string file, HttpContext http, WebAssets assets) =>
            file == "index.html" ? Results.NotFound() : Serve(http, assets.Find(file))).ExcludeFromDescription();
        app.MapEvents();
        app.MapMessageParts();
    }

    /// <summary>The file with the page's security headers; 304 when the client's copy is current (ETag).</summary>
    private static IResult Serve(HttpContext http, WebAsset? asset)
    {
        if (asset is null) return Results.NotFound();
        var headers = http.Response.Headers;
        headers.ContentSecurityPolicy = PagePolicy;
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers["Cross-Origin-Opener-Policy"] = "same-origin";
        // Revalidated on every load (a relay upgrade changes the files), answered 304 while unchanged.
        headers.CacheControl = "no-cache";
        headers.ETag = asset.ETag;
        if (http.Request.Headers.IfNoneMatch.Any(v => v is not null && v.Split(',').Any(t => t.Trim() == asset.ETag || t.Trim() == "*")))
            return Results.StatusCode(StatusCodes.Status304NotModified);
        return Results.Bytes(asset.Bytes, asset.ContentType);
    }
}
