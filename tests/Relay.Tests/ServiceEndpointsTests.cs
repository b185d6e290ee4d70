using SmarthostLab.Relay.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using SmarthostLab.Relay.Api;
using SmarthostLab.Contracts;
using SmarthostLab.Relay.Hosting;
using SmarthostLab.Relay.Tests.Infrastructure;
using SmarthostLab.Tests.Support;

namespace SmarthostLab.Relay.Tests;

public sealed class ServiceEndpointsTests
{
    [Fact]
    public async Task Info_health_ready_and_metrics_answer()
    {
        await using var relay = await TestRelay.StartAsync();
        await Mail.SendAsync(relay.Smtp, TestRelay.Registered, Mail.Message("for metrics"));
        await using (var refused = await RawSmtpClient.ConnectAsync(relay.Smtp, TestRelay.Unregistered)) await refused.ReadReplyAsync();

        var info = await relay.Http.GetFromJsonAsync("/api/v1/info", RelayJson.Context.InfoResponse);
        Assert.Equal("relay.test", info!.HostName);
        Assert.Equal(relay.Smtp.ToString(), Assert.Single(info.Smtp).Endpoint);
        Assert.Equal("starttls", info.Smtp[0].Tls);
        Assert.Equal(relay.Relay.HttpEndPoint.ToString(), info.Http);
        Assert.Equal(35L * 1024 * 1024, info.Limits.MaxMessageSize);

        Assert.Equal("ok", await relay.Http.GetStringAsync("/healthz"));
        Assert.Equal(HttpStatusCode.OK, (await relay.Http.GetAsync("/readyz")).StatusCode);

        await relay.RefusalsAsync();
        var metrics = await relay.Http.GetStringAsync("/metrics");
        Assert.Equal(1, PrometheusText.Sum(metrics, "smarthostlab_relay_messages_stored_total"));
        Assert.Equal(1, PrometheusText.Sum(metrics, "smarthostlab_relay_refusals_total{reason=\"unregistered-ip\",stage=\"connect\"}"));
        // The SMTP layer counts the handler's refusal under the reason the API shows, not a generic "handler".
        Assert.Equal(1, PrometheusText.Sum(metrics, "smtp_refusals_total{reason=\"unregistered-ip\"}"));
        Assert.DoesNotContain("reason=\"handler\"", metrics);
        Assert.True(PrometheusText.Sum(metrics, "smarthostlab_relay_store_commit_duration_seconds_count") >= 1);
        Assert.True(PrometheusText.Sum(metrics, "smtp_connections_total") >= 2);
        Assert.Equal(1, PrometheusText.Sum(metrics, "smtp_commands_total{command=\"MAIL\"}"));
        Assert.Equal(1, PrometheusText.Sum(metrics, "smtp_commands_total{command=\"RCPT\"}"));
        // Issue 17: the runtime's and the HTTP server's own metrics are exported too.
        Assert.True(PrometheusText.Sum(metrics, "dotnet_process_cpu_time_seconds_total") > 0);
        Assert.True(PrometheusText.Sum(metrics, "http_server_request_duration_seconds_count{http_route=\"/api/v1/refusals\"}") >= 1);
    }

    [Fact]
    public async Task Admin_routes_are_404_without_a_configured_token()
    {
        await using var relay = await TestRelay.StartAsync("--Api:AdminToken=");
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/accounts/lab/outbound-servers")
        {
            Content = JsonContent.Create(new OutboundServerRequest("127.0.0.9"), RelayJson.Context.OutboundServerRequest),
        };
        Assert.Equal(HttpStatusCode.NotFound, (await relay.Http.SendAsync(request)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await relay.Http.DeleteAsync("/api/v1/messages")).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await relay.Http.GetAsync("/api/v1/accounts")).StatusCode);
    }

    [Fact]
    public async Task Account_changes_reject_bad_addresses_and_unknown_accounts()
    {
        await using var relay = await TestRelay.StartAsync();
        var bad = await relay.Http.SendAsync(relay.Admin(HttpMethod.Post, "/api/v1/accounts/lab/outbound-servers", new OutboundServerRequest("300.1.1.1")));
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("'300.1.1.1' is not an IP address or CIDR range", await bad.Content.ReadAsStringAsync());
        var unknown = await relay.Http.SendAsync(relay.Admin(HttpMethod.Post, "/api/v1/accounts/nobody/outbound-servers", new OutboundServerRequest("192.0.2.1")));
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        var notThere = await relay.Http.SendAsync(relay.Admin(HttpMethod.Delete, "/api/v1/accounts/lab/outbound-servers?address=192.0.2.99"));
        Assert.Equal(HttpStatusCode.NotFound, notThere.StatusCode);
    }

    [Theory]
    [InlineData("ip=abc", "ip: 'abc' is not an IP address")]
    [InlineData("ip=127.0.0.300", "ip: '127.0.0.300' is not an IP address")]
    [InlineData("since=yesterday", "since: 'yesterday' is not an ISO 8601 time")]
    [InlineData("limit=0", "limit: '0' must be an integer between 1 and 10000")]
    public async Task Refusals_with_a_bad_filter_answer_400_naming_it(string query, string error)
    {
        await using var relay = await TestRelay.StartAsync();
        var response = await relay.Http.GetAsync("/api/v1/refusals?" + query);
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Contains(error, await response.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Refusals_filter_on_an_ip_in_any_spelling()
    {
        await using var relay = await TestRelay.StartAsync();
        await using (var refused = await RawSmtpClient.ConnectAsync(relay.Smtp, TestRelay.Unregistered)) await refused.ReadReplyAsync();
        await relay.Relay.Services.GetRequiredService<SmarthostLab.Relay.Storage.IMessageStore>().FlushAsync();

        Assert.Single((await relay.RefusalsAsync("?ip=127.0.0.3")).Refusals);
        Assert.Single((await relay.RefusalsAsync("?ip=::ffff:127.0.0.3")).Refusals);
        Assert.Empty((await relay.RefusalsAsync("?ip=127.0.0.2")).Refusals);
    }

    [Fact]
    public async Task Port_zero_endpoints_are_discoverable_and_stop_is_clean()
    {
        using var folder = new TempFolder();
        var relay = await RelayHost.StartAsync(["--smtp", "127.0.0.1:0", "--http", "127.0.0.1:0", "--data", folder.Path, "--Logging:LogLevel:Default=Warning"]);
        Assert.NotEqual(0, relay.SmtpEndPoint.Port);
        Assert.NotEqual(0, relay.HttpEndPoint.Port);
        Assert.True(File.Exists(Path.Combine(folder.Path, CertificateProvider.GeneratedFileName)));
        await relay.DisposeAsync();
        Assert.True(File.Exists(Path.Combine(folder.Path, "relay.db")));
    }
}
