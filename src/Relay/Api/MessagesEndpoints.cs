using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using SmarthostLab.Relay.Api.Contracts;
using SmarthostLab.Relay.Storage;

namespace SmarthostLab.Relay.Api;

/// <summary>/api/v1/messages: list, get, raw, transcript, delete.</summary>
public static class MessagesEndpoints
{
    /// <summary>Maps the routes.</summary>
    public static void MapMessages(this IEndpointRouteBuilder routes)
    {
        var read = routes.MapGroup("/api/v1/messages").AddEndpointFilter(ApiAccess.ReadFilter);
        read.MapGet("", ListAsync).Answers<MessageListResponse>(errors: StatusCodes.Status400BadRequest)
            .Query([.. RelayOpenApi.MessageFilters, ("before", "the id of the last message of the previous page (keyset paging; see next)"),
                ("offset", "messages to skip (0)"), ("limit", "page size, 1-1000 (50)")]);
        read.MapGet("/{id}", GetAsync).Answers<MessageResponse>(errors: StatusCodes.Status404NotFound);
        read.MapGet("/{id}/raw", RawAsync).Produces(StatusCodes.Status200OK, contentType: "message/rfc822").Errors(StatusCodes.Status404NotFound);
        read.MapGet("/{id}/transcript", TranscriptAsync).Produces<string>(StatusCodes.Status200OK, "text/plain").Errors(StatusCodes.Status404NotFound);
        var admin = routes.MapGroup("/api/v1/messages").AddEndpointFilter(ApiAccess.AdminFilter);
        admin.MapDelete("/{id}", DeleteAsync).Produces(StatusCodes.Status204NoContent).Errors(StatusCodes.Status404NotFound);
        admin.MapDelete("", DeleteAllAsync).Produces(StatusCodes.Status204NoContent);
    }

    /// <summary>Parses the listing filters; null with <paramref name="error"/> set on a bad value.</summary>
    internal static MessageQuery? ParseQuery(IQueryCollection query, out string? error)
    {
        var q = new QueryParameters(query);
        var result = new MessageQuery
        {
            From = q.Text("from"),
            To = q.Text("to"),
            Subject = q.Text("subject"),
            Token = q.Text("token"),
            Account = q.Text("account"),
            Since = q.Time("since"),
            Dmarc = q.Word("dmarc", "pass", "fail", "none", "temperror", "permerror"),
            Spf = q.Word("spf", "pass", "fail", "softfail", "neutral", "none", "temperror", "permerror"),
            Dkim = q.Word("dkim", "pass", "fail", "neutral", "policy", "temperror", "permerror", "none"),
            Action = q.Word("action", "accept", "tag", "quarantine", "reject"),
            Quarantined = q.Bool("quarantined"),
            Delivery = q.Word("delivery", DeliveryStates.All),
            Before = q.Text("before"),
            Offset = q.Int("offset", 0, 0, int.MaxValue),
            Limit = q.Int("limit", 50, 1, 1000),
        };
        error = q.Error;
        return error is null ? result : null;
    }

    private static async Task<IResult> ListAsync(HttpRequest request, IMessageStore store, CancellationToken cancellationToken)
    {
        if (ParseQuery(request.Query, out var error) is not { } query) return ApiErrors.BadRequest(error!);
        var page = await store.QueryMessagesAsync(query, cancellationToken).ConfigureAwait(false);
        // A full page may have more below it: its last id is the cursor of the next one (before=).
        var next = page.Messages.Count == query.Limit ? page.Messages[^1].Id : null;
        return TypedResults.Json(new MessageListResponse([.. page.Messages.Select(m => m.ToResponse())], page.Total, next), RelayJson.Context.MessageListResponse);
    }

    private static async Task<IResult> GetAsync(string id, IMessageStore store, CancellationToken cancellationToken) =>
        await store.GetMessageAsync(id, cancellationToken).ConfigureAwait(false) is { } message
            ? TypedResults.Json(message.ToResponse(), RelayJson.Context.MessageResponse)
            : ApiErrors.NotFound($"no message {id}");

    /// <summary>The stored bytes; with <c>download=1</c> (or true) as an attachment named <c>{id}.eml</c>.</summary>
    private static async Task<IResult> RawAsync(string id, HttpRequest request, IMessageStore store, CancellationToken cancellationToken) =>
        await store.GetRawAsync(id, cancellationToken).ConfigureAwait(false) is { } raw
            ? TypedResults.Bytes(raw, "message/rfc822", fileDownloadName: request.Query["download"] is ["1" or "true"] ? id + ".eml" : null)
            : ApiErrors.NotFound($"no message {id}");

    private static async Task<IResult> TranscriptAsync(string id, IMessageStore store, CancellationToken cancellationToken) =>
        await store.GetTranscriptAsync(id, cancellationToken).ConfigureAwait(false) is { } transcript
            ? TypedResults.Text(transcript, "text/plain; charset=utf-8")
            : ApiErrors.NotFound($"no message {id}");

    private static async Task<IResult> DeleteAsync(string id, IMessageStore store, CancellationToken cancellationToken) =>
        await store.DeleteMessageAsync(id, cancellationToken).ConfigureAwait(false)
            ? TypedResults.NoContent()
            : ApiErrors.NotFound($"no message {id}");

    private static async Task<IResult> DeleteAllAsync(IMessageStore store, CancellationToken cancellationToken)
    {
        await store.DeleteAllMessagesAsync(cancellationToken).ConfigureAwait(false);
        return TypedResults.NoContent();
    }
}
