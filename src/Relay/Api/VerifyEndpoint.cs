using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using SmarthostLab.Relay.Configuration;
using SmarthostLab.Relay.Pipeline;
using SmarthostLab.Smtp;
using SmarthostLab.Verification;

namespace SmarthostLab.Relay.Api;

/// <summary>
/// POST /api/v1/verify?ip=&amp;helo=&amp;mailFrom=&amp;policy=: verifies a raw message (the body, any content type)
/// as if it had been relayed from <c>ip</c>, and returns the <see cref="Verdict"/> without storing anything.
/// The action is what an account with DmarcFailurePolicy <c>policy</c> (default Tag) would get.
/// The message is verified as sent: no DKIM signature is added.
/// </summary>
public static class VerifyEndpoint
{
    /// <summary>Maps the route.</summary>
    public static void MapVerify(this IEndpointRouteBuilder routes) =>
        routes.MapPost("/api/v1/verify", VerifyAsync).AddEndpointFilter(ApiAccess.ReadFilter)
            .Query(("ip", "the client IP to check SPF for (required)"), ("helo", "HELO name"), ("mailFrom", "MAIL FROM; empty: null sender"),
                ("policy", "tag, quarantine or reject: the account DmarcFailurePolicy the action is computed for"))
            .Body<byte[]>("message/rfc822").Answers<Verdict>(errors: [StatusCodes.Status400BadRequest, StatusCodes.Status413PayloadTooLarge]);

    private static async Task<IResult> VerifyAsync(HttpContext http, MessageVerifier verifier, IOptions<SmtpOptions> smtp, CancellationToken cancellationToken)
    {
        var query = new QueryParameters(http.Request.Query);
        var ip = query.Ip("ip");
        if (query.Error is { } error) return ApiErrors.BadRequest(error);
        if (ip is null) return ApiErrors.BadRequest("ip: the client IP address is required");
        var helo = query.Text("helo") ?? "";
        var mailFrom = (query.Text("mailFrom") ?? "").Trim().TrimStart('<').TrimEnd('>');
        var policy = DmarcFailurePolicy.Tag;
        if (query.Text("policy") is { } policyText && !Enum.TryParse(policyText, ignoreCase: true, out policy))
            return ApiErrors.BadRequest($"policy: '{policyText}' must be tag, quarantine or reject");

        var limit = smtp.Value.MaxMessageSize;
        if (http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size) size.MaxRequestBodySize = limit;
        if (http.Request.ContentLength > limit) return ApiErrors.Error(StatusCodes.Status413PayloadTooLarge, $"the message is larger than Smtp:MaxMessageSize ({limit} octets)");
        using var body = new MemoryStream();
        await http.Request.Body.CopyToAsync(body, cancellationToken).ConfigureAwait(false);
        if (body.Length == 0) return ApiErrors.BadRequest("body: the raw message (message/rfc822) is required");

        // As the SMTP session does: a header section over the limit is refused before any field is parsed.
        body.Position = 0;
        var maxHeader = smtp.Value.MaxHeaderSize;
        if (!HeaderSection.TryRead(body, maxHeader, out var headers))
            return ApiErrors.Error(StatusCodes.Status413PayloadTooLarge, $"the message header is larger than Smtp:MaxHeaderSize ({maxHeader} octets)");
        var spf = verifier.StartSpf(ip.IsIPv4MappedToIPv6 ? ip.MapToIPv4() : ip, helo, mailFrom, cancellationToken);
        var result = await verifier.VerifyAsync(headers, body, spf, cancellationToken).ConfigureAwait(false);
        return TypedResults.Json(result.ToVerdict(PolicyDecision.Decide(result, policy).Action), RelayJson.Context.Verdict);
    }
}
