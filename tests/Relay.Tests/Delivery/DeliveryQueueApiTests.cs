using SmarthostLab.Relay.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using SmarthostLab.Relay.Api;
using SmarthostLab.Relay.Hosting;
using SmarthostLab.Tests.Support;

namespace SmarthostLab.Relay.Tests.Delivery;

/// <summary>The outbound queue's HTTP side (issue 13): release, flush, the delivery filter, metrics, and the Delivery settings checked at start.</summary>
public sealed class DeliveryQueueApiTests
{
    [Fact]
    public async Task In_Store_mode_recipients_are_stored_and_release_sends_a_message_to_the_given_next_hop()
    {
        await using var server = ScriptedSmtpServer.Start();
        await using var relay = await DeliveryLab.StartAsync();
        var id = await relay.SendAsync(DeliveryLab.Message("tok-store"));

        var stored = (await relay.MessageAsync(id)).Only();
        Assert.Equal(("stored", null, 0), (stored.State, stored.Destination, stored.Attempts));
        // Nothing leaves in Store mode, so "stored" counts as final: a CI job waiting for delivery is not kept waiting.
        Assert.Equal("stored", (await relay.WaitForAsync("tok-store", "delivered")).Only().State);
        Assert.Empty(server.Connections);

        var body = $$"""{"nextHop":"127.0.0.1:{{server.Port}}"}""";
        Assert.Equal(HttpStatusCode.Unauthorized, (await relay.PostAsync($"/api/v1/messages/{id}/release", body, admin: false)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await relay.PostAsync("/api/v1/messages/01JNOSUCHMESSAGE0000000000/release", body)).StatusCode);
        var bad = await relay.PostAsync($"/api/v1/messages/{id}/release", """{"nextHop":"nohost"}""");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        var error = await bad.Content.ReadAsStringAsync();
        Assert.Contains("nextHop", error);
        Assert.Contains("nohost", error);

        var released = await relay.PostAsync($"/api/v1/messages/{id}/release", body);
        Assert.Equal(HttpStatusCode.Accepted, released.StatusCode);
        var action = await released.Content.ReadFromJsonAsync(RelayJson.Context.QueueActionResponse);
        Assert.Equal((id, 1, $"nexthop:[127.0.0.1]:{server.Port}"), (action!.Id, action.Recipients, action.Destination));

        var delivered = (await relay.WaitForAsync("tok-store", "delivered")).Only();
        Assert.Equal(("delivered", 1, $"127.0.0.1:{server.Port}"), (delivered.State, delivered.Attempts, delivered.RemoteAddress));
        Assert.Equal(await relay.RawAsync(id), Assert.Single(server.Transactions).Content);
    }

    [Fact]
    public async Task Flush_makes_a_deferred_recipient_due_now()
    {
        await using var server = ScriptedSmtpServer.Start(new ScriptedSmtpServerOptions { MessageReply = t => t.Number == 1 ? "451 4.3.0 try again later" : null });
        await using var relay = await DeliveryLab.StartNextHopAsync(server, "--Delivery:RetrySchedule=1h");
        await relay.SendAsync(DeliveryLab.Message("tok-flush"));

        var deferred = (await relay.WaitForAsync("tok-flush", "deferred")).Only();
        Assert.True(deferred.NextAttemptAt > deferred.LastAttemptAt!.Value.AddMinutes(30), $"next attempt {deferred.NextAttemptAt:O}");
        Assert.Equal(HttpStatusCode.Unauthorized, (await relay.PostAsync("/api/v1/queue/flush", admin: false)).StatusCode);

        var flushed = await relay.PostAsync("/api/v1/queue/flush");
        Assert.Equal(HttpStatusCode.OK, flushed.StatusCode);
        var action = await flushed.Content.ReadFromJsonAsync(RelayJson.Context.QueueActionResponse);
        Assert.Equal((null, 1, null), (action!.Id, action.Recipients, action.Destination));

        var delivered = (await relay.WaitForAsync("tok-flush", "delivered")).Only();
        Assert.Equal(("delivered", 2), (delivered.State, delivered.Attempts));
        Assert.Equal(0, (await relay.QueueAsync()).Counts["deferred"]);
    }

    [Fact]
    public async Task The_delivery_filter_lists_messages_by_recipient_state()
    {
        await using var server = ScriptedSmtpServer.Start(new ScriptedSmtpServerOptions
        {
            MessageReply = t => t.ContentText.Contains("tok-later", StringComparison.Ordinal) ? "451 4.3.0 try again later" : null,
        });
        // Account "lab" (127.0.0.2) goes through the next hop; account "keep" (127.0.0.4) keeps its mail (Store).
        await using var relay = await DeliveryLab.StartNextHopAsync(server, "--Delivery:RetrySchedule=1h",
            "--Accounts:1:Name=keep", "--Accounts:1:OutboundServers:0=127.0.0.4", "--Accounts:1:Domains:0=fabrikam.test", "--Accounts:1:Delivery:Mode=Store");
        var delivered = await relay.SendAsync(DeliveryLab.Message("tok-sent"));
        var deferred = await relay.SendAsync(DeliveryLab.Message("tok-later"));
        var stored = await relay.SendAsync(DeliveryLab.Message("tok-kept"), "<alice@fabrikam.test>", from: IPAddress.Parse("127.0.0.4"));
        await relay.WaitForAsync("tok-sent", "delivered");
        await relay.WaitForAsync("tok-later", "deferred");

        Assert.Equal([delivered], (await relay.MessagesAsync("?delivery=delivered")).Messages.Select(m => m.Id));
        Assert.Equal([deferred], (await relay.MessagesAsync("?delivery=deferred")).Messages.Select(m => m.Id));
        Assert.Equal([stored], (await relay.MessagesAsync("?delivery=stored")).Messages.Select(m => m.Id));
        Assert.Empty((await relay.MessagesAsync("?delivery=bounced")).Messages);
        var bad = await relay.Http.GetAsync("/api/v1/messages?delivery=nonsense");
        Assert.Equal(HttpStatusCode.BadRequest, bad.StatusCode);
        Assert.Contains("delivery", await bad.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task Metrics_count_delivery_attempts_by_outcome_and_show_the_queue_size()
    {
        await using var server = ScriptedSmtpServer.Start();
        await using var relay = await DeliveryLab.StartNextHopAsync(server);
        await relay.SendAsync(DeliveryLab.Message("tok-metrics"));
        await relay.WaitForAsync("tok-metrics", "delivered");

        var metrics = await relay.Http.GetStringAsync("/metrics");

        Assert.Equal(1, PrometheusText.Sum(metrics, "smarthostlab_relay_delivery_attempts_total{outcome=\"delivered\"}"));
        Assert.Contains(PrometheusText.Parse(metrics), s => s.Name == "smarthostlab_relay_queue_size" && s.Labels.GetValueOrDefault("state") == "queued");
        Assert.Equal(0, PrometheusText.Sum(metrics, "smarthostlab_relay_queue_size{state=\"deferred\"}"));
    }

    [Theory]
    [InlineData("", "Delivery:NextHop: required when Delivery:Mode is NextHop")]
    [InlineData("--Delivery:NextHop=nohost", "Delivery:NextHop: 'nohost' has no port")]
    public async Task NextHop_mode_without_a_usable_next_hop_refuses_to_start_with_one_line_naming_the_key(string nextHop, string expected)
    {
        string[] args = nextHop.Length == 0 ? ["--Delivery:Mode=NextHop"] : ["--Delivery:Mode=NextHop", nextHop];

        var error = await Assert.ThrowsAsync<RelayConfigurationException>(() => DeliveryLab.StartAsync(args));

        Assert.StartsWith(expected, error.Message);
        Assert.DoesNotContain('\n', error.Message);
    }
}
