using System.Net;
using Microsoft.Extensions.DependencyInjection;
using SmarthostLab.Relay.Tests.Infrastructure;

namespace SmarthostLab.Relay.Tests;

/// <summary>
/// Issue 17: a wait that times out must not be retried behind a CI job's back. An HttpClient with the standard resilience
/// handler (Microsoft.Extensions.Http.Resilience: retries 408, 429 and 5xx) gets the relay's 404 once, and the relay
/// saw one request.
/// </summary>
public sealed class WaitRetryTests
{
    [Fact]
    public async Task A_timed_out_wait_is_answered_404_and_a_standard_resilience_handler_does_not_repeat_it()
    {
        await using var relay = await TestRelay.StartAsync();
        var services = new ServiceCollection();
        services.AddHttpClient("relay", c => c.BaseAddress = relay.Http.BaseAddress).AddStandardResilienceHandler();
        await using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<IHttpClientFactory>().CreateClient("relay");

        using var response = await client.GetAsync("/api/v1/wait?token=never-sent&timeout=0.5");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("{\"error\":\"no message matching 'never-sent' within 0.5 s\"}", await response.Content.ReadAsStringAsync());
        Assert.Equal(1, await relay.MetricAsync("http_server_request_duration_seconds_count{http_route=\"/api/v1/wait\"}"));
    }
}
