using System.Net;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using SmarthostLab.Relay.Api;
using SmarthostLab.Relay.Configuration;

namespace SmarthostLab.Relay.Tests;

public sealed class ApiAccessTests
{
    private static async Task<int> ReadStatusAsync(string remote, string? readToken, string? bearer)
    {
        var services = new ServiceCollection().AddSingleton(Options.Create(new ApiOptions { ReadToken = readToken, AdminToken = "admin-token-1234" })).BuildServiceProvider();
        var http = new DefaultHttpContext { RequestServices = services };
        http.Connection.RemoteIpAddress = IPAddress.Parse(remote);
        if (bearer is not null) http.Request.Headers.Authorization = "Bearer " + bearer;
        var result = await ApiAccess.ReadFilter(new DefaultEndpointFilterInvocationContext(http), _ => ValueTask.FromResult<object?>("passed"));
        return result is "passed" ? 200 : ((IStatusCodeHttpResult)result!).StatusCode ?? 0;
    }

    [Theory]
    [InlineData("127.0.0.1", "read-token-1234", null, 200)]
    [InlineData("::1", "read-token-1234", null, 200)]
    [InlineData("192.0.2.1", null, null, 200)]
    [InlineData("192.0.2.1", "read-token-1234", null, 401)]
    [InlineData("192.0.2.1", "read-token-1234", "wrong-token-xxxx", 403)]
    [InlineData("192.0.2.1", "read-token-1234", "read-token-1234", 200)]
    [InlineData("192.0.2.1", "read-token-1234", "admin-token-1234", 200)]
    public async Task Read_routes_are_open_on_loopback_and_need_the_read_token_elsewhere_when_set(string remote, string? readToken, string? bearer, int status) =>
        Assert.Equal(status, await ReadStatusAsync(remote, readToken, bearer));
}
