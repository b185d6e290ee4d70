using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using SmarthostLab.Relay.Admission;
using SmarthostLab.Relay.Api.Contracts;

namespace SmarthostLab.Relay.Api;

/// <summary>/api/v1/accounts: list (read), add/remove outbound servers (admin).</summary>
public static class AccountsEndpoints
{
    /// <summary>Maps the routes.</summary>
    public static void MapAccounts(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/api/v1/accounts", List).AddEndpointFilter(ApiAccess.ReadFilter).Answers<AccountListResponse>();
        var admin = routes.MapGroup("/api/v1/accounts/{name}/outbound-servers").AddEndpointFilter(ApiAccess.AdminFilter);
        admin.MapPost("", AddAsync).Body<OutboundServerRequest>("application/json").Answers<AccountResponse>(StatusCodes.Status201Created, StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound);
        admin.MapDelete("", RemoveAsync).Answers<AccountResponse>(errors: [StatusCodes.Status400BadRequest, StatusCodes.Status404NotFound]);
    }

    private static IResult List(AccountRegistry registry) =>
        TypedResults.Json(new AccountListResponse([.. registry.Accounts.Select(a => a.ToResponse())]), RelayJson.Context.AccountListResponse);

    private static async Task<IResult> AddAsync(string name, HttpRequest request, AccountRegistry registry, CancellationToken cancellationToken)
    {
        OutboundServerRequest? body;
        try
        {
            body = await request.ReadFromJsonAsync(RelayJson.Context.OutboundServerRequest, cancellationToken).ConfigureAwait(false);
        }
        catch (System.Text.Json.JsonException exception)
        {
            return ApiErrors.BadRequest($"body: not JSON of the shape {{\"address\":\"192.0.2.11/32\"}} ({exception.Message})");
        }
        catch (InvalidOperationException)
        {
            return ApiErrors.BadRequest("body: expected application/json {\"address\":\"192.0.2.11/32\"}");
        }
        if (string.IsNullOrWhiteSpace(body?.Address)) return ApiErrors.BadRequest("address: required");
        var (account, error) = await registry.AddOutboundServerAsync(name, body.Address, cancellationToken).ConfigureAwait(false);
        return Result(name, body.Address, account, error, StatusCodes.Status201Created);
    }

    private static async Task<IResult> RemoveAsync(string name, HttpRequest request, AccountRegistry registry, CancellationToken cancellationToken)
    {
        var address = request.Query["address"].ToString();
        if (string.IsNullOrWhiteSpace(address)) return ApiErrors.BadRequest("address: required");
        var (account, error) = await registry.RemoveOutboundServerAsync(name, address, cancellationToken).ConfigureAwait(false);
        return Result(name, address, account, error, StatusCodes.Status200OK);
    }

    private static IResult Result(string name, string address, Account? account, AccountChangeError error, int success) => error switch
    {
        AccountChangeError.None => TypedResults.Json(account!.ToResponse(), RelayJson.Context.AccountResponse, statusCode: success),
        AccountChangeError.UnknownAccount => ApiErrors.NotFound($"no account {name}"),
        AccountChangeError.InvalidAddress => ApiErrors.BadRequest($"address: '{address}' is not an IP address or CIDR range"),
        _ => ApiErrors.NotFound($"account {name} does not register {address}"),
    };
}
