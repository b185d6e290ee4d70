using System.Reflection;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Options;
using SmarthostLab.Relay.Diagnostics;
using SmarthostLab.Relay.Hosting;
using SmarthostLab.Relay.Session;
using SmarthostLab.Relay.Storage;
using SmarthostLab.Smtp;
using SmarthostLab.Smtp.Server;
using SmarthostLab.Verification;

namespace SmarthostLab.Relay.Api;

/// <summary>/api/v1/info, /api/v1/verify (<see cref="VerifyEndpoint"/>), /healthz, /readyz (/metrics: <see cref="RelayTelemetry"/>).</summary>
public static class ServiceEndpoints
{
    /// <summary>Maps the routes.</summary>
    public static void MapService(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/api/v1/info", Info).AddEndpointFilter(ApiAccess.ReadFilter).Answers<InfoResponse>();
        routes.MapVerify();
        routes.MapGet("/healthz", () => TypedResults.Text("ok"));
        routes.MapGet("/readyz", (RelayEndpoints endpoints, IMessageStore store) =>
            endpoints.Started && endpoints.Smtp is not null && store.IsOpen
                ? Results.Text("ready")
                : Results.Text("not ready", statusCode: StatusCodes.Status503ServiceUnavailable));
    }

    private static IResult Info(
        RelayEndpoints endpoints, RelayHostName hostName, IOptions<SmtpOptions> smtpOptions, IOptions<VerificationOptions> verification, SmtpTlsCertificate certificate,
        Authentication.RelayAuthentication authentication)
    {
        var smtp = smtpOptions.Value;
        var endpointsList = new List<SmtpEndpointResponse>();
        if (endpoints.Smtp is { } plain)
            endpointsList.Add(new SmtpEndpointResponse(plain.ToString(), smtp.StartTls && certificate.Certificate is not null ? "starttls" : "none"));
        if (endpoints.SmtpImplicitTls is { } implicitTls) endpointsList.Add(new SmtpEndpointResponse(implicitTls.ToString(), "implicit"));
        var version = typeof(ServiceEndpoints).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";
        return TypedResults.Json(new InfoResponse(
            version,
            hostName.Value,
            endpointsList,
            endpoints.Http?.ToString(),
            new LimitsResponse(smtp.MaxMessageSize, smtp.MaxRecipients, smtp.MaxConnections, smtp.MaxConnectionsPerIp, smtp.MaxBadCommands,
                smtp.CommandTimeout.TotalSeconds, smtp.DataTimeout.TotalSeconds),
            verification.Value.EgressAddresses,
            verification.Value.AuthServId ?? hostName.Value,
            authentication.IsRequired, authentication.Mechanisms, !smtp.AllowAuthWithoutTls), RelayJson.Context.InfoResponse);
    }
}
