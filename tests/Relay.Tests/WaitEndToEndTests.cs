using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using SmarthostLab.Relay.Api;
using SmarthostLab.Contracts;
using SmarthostLab.Relay.Storage;
using SmarthostLab.Relay.Tests.Infrastructure;
using SmarthostLab.Tests.Support;

namespace SmarthostLab.Relay.Tests;

/// <summary>
/// GET /api/v1/wait (issue 16): open waits are woken by the commits that concern them, never re-query the store per
/// commit, and keep their semantics: messages stored before or after the call, the token in any header, delivery=.
/// </summary>
public sealed class WaitEndToEndTests
{
    [Fact]
    public async Task Sixteen_waits_for_tokens_no_message_carries_cost_one_token_query_each_however_many_commits()
    {
        await using var relay = await TestRelay.StartAsync();
        await Mail.SendAsync(relay.Smtp, TestRelay.Registered, Mail.Message("already stored"));
        var waits = Enumerable.Range(0, 16)
            .Select(n => relay.Http.GetAsync($"/api/v1/wait?token=never-seen-{n:D2}-7f3a9c&timeout=60"))
            .ToArray();
        await WaitForMetricAsync(relay, "smarthostlab_relay_waits_active", 16);
        Assert.Equal(16, await TokenQueriesAsync(relay)); // each wait's first look

        // Each message is its own commit: the old wait re-ran its token query over the whole table after each.
        for (var n = 0; n < 20; n++) await Mail.SendAsync(relay.Smtp, TestRelay.Registered, Mail.Message($"unrelated {n}"));

        Assert.Equal(16, await TokenQueriesAsync(relay));
        Assert.Equal(16, await relay.MetricAsync("smarthostlab_relay_waits_active"));
        Assert.DoesNotContain(waits, w => w.IsCompleted);

        await Mail.SendAsync(relay.Smtp, TestRelay.Registered, Mail.Message("at last never-seen-07-7f3a9c"));
        var answered = await waits[7];
        Assert.Equal(HttpStatusCode.OK, answered.StatusCode);
        Assert.Equal("at last never-seen-07-7f3a9c", (await answered.Content.ReadFromJsonAsync(RelayJson.Context.MessageResponse))!.Subject);
        await WaitForMetricAsync(relay, "smarthostlab_relay_waits_active", 15);
        Assert.DoesNotContain(waits.Where((_, n) => n != 7), w => w.IsCompleted);
        Assert.Equal(16, await TokenQueriesAsync(relay)); // woken, it read that message by id
    }

    [Fact]
    public async Task A_wait_wakes_for_a_later_message_with_the_token_inside_a_value_of_another_header_in_another_case()
    {
        await using var relay = await TestRelay.StartAsync();
        var waiting = relay.Http.GetAsync("/api/v1/wait?token=9ABCDEF-case-42&timeout=30");
        await WaitForMetricAsync(relay, "smarthostlab_relay_waits_active", 1);
        var decoy = Mail.Message("decoy");
        decoy.Headers.Add("X-Ticket", "9abcdef-case-4"); // one character short
        await Mail.SendAsync(relay.Smtp, TestRelay.Registered, decoy);
        Assert.False(waiting.IsCompleted);

        var message = Mail.Message("no token in the subject");
        message.Headers.Add("X-Ticket", "opened as ticket-#x9abcdef-CASE-42y by the help desk");
        var id = Mail.QueueIdOf(await Mail.SendAsync(relay.Smtp, TestRelay.Registered, message));

        var found = await (await waiting).Content.ReadFromJsonAsync(RelayJson.Context.MessageResponse);
        Assert.Equal(id, found!.Id);
    }

    [Fact]
    public async Task A_wait_finds_a_message_stored_before_it_by_scan_then_through_the_index_it_asked_for_and_after_a_restart()
    {
        using var folder = new TempFolder();
        string id;
        const string Scanned = "smarthostlab_relay_token_queries_total{plan=\"scan\"}";
        const string Indexed = "smarthostlab_relay_token_queries_total{plan=\"index\"}";
        await using (var relay = await TestRelay.StartInAsync(folder.Path))
        {
            var message = Mail.Message("stored first");
            message.Headers.Add("X-Probe-Token", "shl-0123456789abcdef0123");
            id = Mail.QueueIdOf(await Mail.SendAsync(relay.Smtp, TestRelay.Registered, message));
            for (var n = 0; n < 5; n++) await Mail.SendAsync(relay.Smtp, TestRelay.Registered, Mail.Message($"later {n}"));

            // The first token search scans and has the index built; the next ones use it.
            Assert.Equal(id, (await WaitAsync(relay, "SHL-0123456789ABCDEF0123")).Id);
            Assert.Equal((1, 0), (await relay.MetricAsync(Scanned), await relay.MetricAsync(Indexed)));
            await StoreOf(relay).TokenIndexLoaded;
            Assert.Equal(id, (await WaitAsync(relay, "6789abcdef0123")).Id);
            Assert.Equal((1, 1), (await relay.MetricAsync(Scanned), await relay.MetricAsync(Indexed)));
        }
        // The index lives in memory: a restarted relay builds it again from the stored rows when asked.
        await using (var restarted = await TestRelay.StartInAsync(folder.Path))
        {
            Assert.Equal(id, (await WaitAsync(restarted, "456789abcdef01")).Id);
            await StoreOf(restarted).TokenIndexLoaded;
            Assert.Equal(id, (await WaitAsync(restarted, "shl-0123456789")).Id);
            Assert.Equal(5, (await restarted.MessagesAsync("?token=later")).Total); // 5 characters: scanned
            Assert.Equal((2, 1), (await restarted.MetricAsync(Scanned), await restarted.MetricAsync(Indexed)));
        }
    }

    [Fact]
    public async Task A_wait_for_a_delivery_state_sees_the_message_queued_then_deferred_then_delivered()
    {
        // The next hop defers the first attempt; the flush sends the second, which it accepts.
        await using var nextHop = ScriptedSmtpServer.Start(new ScriptedSmtpServerOptions
        {
            MessageReply = t => t.Number == 1 ? "451 4.3.0 try again later" : null,
        });
        await using var relay = await TestRelay.StartAsync(
            "--Delivery:Mode=NextHop", $"--Delivery:NextHop=[127.0.0.1]:{nextHop.Port}", "--Delivery:Tls=None");
        var early = relay.Http.GetAsync("/api/v1/wait?token=dlv-wait-0042&delivery=delivered&timeout=60");
        await WaitForMetricAsync(relay, "smarthostlab_relay_waits_active", 1);

        var id = Mail.QueueIdOf(await Mail.SendAsync(relay.Smtp, TestRelay.Registered, Mail.Message("report dlv-wait-0042")));
        await nextHop.WaitForMessageAsync();
        await WaitUntilAsync(async () => (await relay.MessagesAsync("?delivery=deferred")).Total == 1);
        // Started while the message is deferred: its first look finds it and watches it.
        var late = relay.Http.GetAsync("/api/v1/wait?token=dlv-wait-0042&delivery=delivered&timeout=60");
        await WaitForMetricAsync(relay, "smarthostlab_relay_waits_active", 2);
        await Task.Delay(200);
        Assert.False(early.IsCompleted);
        Assert.False(late.IsCompleted);

        Assert.Equal(HttpStatusCode.OK, (await relay.Http.SendAsync(relay.Admin(HttpMethod.Post, "/api/v1/queue/flush"))).StatusCode);
        foreach (var wait in new[] { early, late })
        {
            var message = await (await wait).Content.ReadFromJsonAsync(RelayJson.Context.MessageResponse);
            Assert.Equal(id, message!.Id);
            Assert.Equal("delivered", Assert.Single(message.Delivery).State);
        }
    }

    [Fact]
    public async Task A_wait_for_a_delivery_state_that_is_not_reached_times_out_naming_the_message_and_its_state()
    {
        await using var relay = await TestRelay.StartAsync("--Delivery:Mode=NextHop", "--Delivery:NextHop=[127.0.0.1]:9", "--Delivery:Tls=None");
        var id = Mail.QueueIdOf(await Mail.SendAsync(relay.Smtp, TestRelay.Registered, Mail.Message("stuck tok-stuck-0001")));

        var response = await relay.Http.GetAsync("/api/v1/wait?token=tok-stuck-0001&delivery=delivered&timeout=1");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Matches($"message {id} matching 'tok-stuck-0001' did not reach delivery state 'delivered' within 1 s \\(now: (queued|deferred)\\)",
            await response.Content.ReadAsStringAsync());
    }

    private static async Task<MessageResponse> WaitAsync(TestRelay relay, string token) =>
        (await relay.Http.GetFromJsonAsync($"/api/v1/wait?token={Uri.EscapeDataString(token)}&timeout=5", RelayJson.Context.MessageResponse))!;

    private static SqliteMessageStore StoreOf(TestRelay relay) => (SqliteMessageStore)relay.Relay.Services.GetRequiredService<IMessageStore>();

    /// <summary>Token searches run so far, scans and index lookups.</summary>
    private static async Task<double> TokenQueriesAsync(TestRelay relay) =>
        await relay.MetricAsync("smarthostlab_relay_token_queries_total{plan=\"index\"}") + await relay.MetricAsync("smarthostlab_relay_token_queries_total{plan=\"scan\"}");

    private static Task WaitForMetricAsync(TestRelay relay, string series, double value) =>
        WaitUntilAsync(async () => await relay.MetricAsync(series) == value);

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met within 20 s");
            await Task.Delay(20);
        }
    }
}
