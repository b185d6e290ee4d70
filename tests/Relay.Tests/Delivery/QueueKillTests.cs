using SmarthostLab.Relay.Diagnostics;
using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.RegularExpressions;
using SmarthostLab.Relay.Tests.Infrastructure;
using SmarthostLab.Tests.Support;
using Xunit.Abstractions;

namespace SmarthostLab.Relay.Tests.Delivery;

/// <summary>
/// The outbound queue across a kill -9 of the relay executable (issue 13): every message the relay acknowledged
/// with 250 reaches the next hop after a restart on the same data folder, at least once; a message cut off after
/// the next hop took its content is sent again and counted in <c>smarthostlab_relay_delivery_repeats_total</c>.
/// </summary>
public sealed partial class QueueKillTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Every_acknowledged_message_reaches_a_next_hop_that_comes_up_after_kill_9_and_a_restart()
    {
        const int count = 50;
        // The queue rows keep the destination they were written with, so the next hop comes up on the port the
        // first relay was pointed at (one outside the ephemeral range, where no outgoing socket takes it meanwhile).
        var port = FreePortOutsideEphemeralRange();
        using var folder = new TempFolder();
        var args = RelayArgs(port, "--Delivery:RetrySchedule=1s");

        List<Submitted> acknowledged;
        await using (var first = await RelayProcess.StartInAsync(folder.Path, args))
        {
            first.DrainLog();
            acknowledged = await SubmitAsync(first, "kill9", count);
            using var http = HttpOf(first);
            // The relay has been failing to reach the next hop meanwhile (retrying every second): every recipient is
            // queued or deferred, some deferred already.
            JsonElement queue = default;
            await WaitUntilAsync(async () =>
            {
                queue = await GetJsonAsync(http, "/api/v1/queue");
                return queue.GetProperty("counts").GetProperty("deferred").GetInt64() > 0 ? "" : null;
            }, () => $"no attempt was deferred: {queue}\n{first.LogTail()}");
            var counts = queue.GetProperty("counts");
            Assert.True(counts.GetProperty("queued").GetInt64() + counts.GetProperty("deferred").GetInt64() == count,
                $"before the kill the queue should hold all {count} recipients: {queue}\n{first.LogTail()}");
            await KillAsync(first);
        }

        ScriptedSmtpServer nextHop;
        try
        {
            nextHop = ScriptedSmtpServer.Start(new ScriptedSmtpServerOptions { Port = port });
        }
        catch (SocketException e)
        {
            throw new InvalidOperationException($"port {port}, where the queued messages go, was taken meanwhile: {e.Message}", e);
        }
        await using var _ = nextHop;
        await using var second = await RelayProcess.StartInAsync(folder.Path, args);
        second.DrainLog();
        var seen = await WaitForAllAsync(nextHop, acknowledged, second);

        using var api = HttpOf(second);
        await AssertDeliveredAsync(api, acknowledged, second);
        var repeats = await RepeatsMetricAsync(api);
        var duplicated = seen.Where(g => g.Count() > 1).Select(g => $"{g.Key} x{g.Count()}").ToList();
        output.WriteLine($"{acknowledged.Count} acknowledged, {seen.Count} distinct at the next hop, {duplicated.Count} sent more than once" +
                         (duplicated.Count > 0 ? ": " + string.Join(", ", duplicated) : "") +
                         $"; smarthostlab_relay_delivery_repeats_total = {repeats}");
    }

    /// <summary>What the next hop does after the restart that follows the kill.</summary>
    public enum AfterRestart
    {
        /// <summary>Takes every message at once.</summary>
        Accepts,
        /// <summary>Defers each message's first attempt (451), then takes it.</summary>
        DefersOnce,
        /// <summary>Defers each message's first attempt; the relay is killed again once every deferral is on disk, and a third run delivers.</summary>
        DefersOnceThenAnotherKill,
    }

    [Theory]
    [InlineData(AfterRestart.Accepts)]
    [InlineData(AfterRestart.DefersOnce)]
    [InlineData(AfterRestart.DefersOnceThenAnotherKill)]
    public async Task A_message_cut_off_by_kill_9_after_the_next_hop_took_its_content_is_sent_again_and_counted_as_a_repeat(AfterRestart afterRestart)
    {
        const int count = 20, answered = 5, connections = 4;
        // A slow next hop: the first few messages get their 250, every later one is recorded in full and then never
        // answered, as long as the gate is closed; so each of the relay's connections ends up waiting for a final
        // reply to a message the next hop already has. After the restart each message's first attempt may be
        // deferred (451): its delivery is still a repeat for those cut off, in that run or the next.
        var stalling = new StrongBox<bool>(true);
        var deferred = new ConcurrentDictionary<string, bool>();
        await using var nextHop = ScriptedSmtpServer.Start(new ScriptedSmtpServerOptions
        {
            MessageReply = t => Volatile.Read(ref stalling.Value)
                ? t.Number > answered ? new ScriptedReply(null, ScriptedReplyAction.StopReading) : null
                : afterRestart != AfterRestart.Accepts && deferred.TryAdd(MessageIdOf(t.ContentText), true) ? "451 4.3.0 try again later" : null,
        });
        using var folder = new TempFolder();
        var args = RelayArgs(nextHop.Port, $"--Delivery:MaxConnectionsPerDestination={connections}", "--Delivery:RetrySchedule=1s", "--Api:AdminToken=" + AdminToken);

        List<Submitted> acknowledged;
        List<ScriptedTransaction> stalled;
        await using (var first = await RelayProcess.StartInAsync(folder.Path, args))
        {
            first.DrainLog();
            acknowledged = await SubmitAsync(first, "cutoff", count);
            stalled = await WaitUntilAsync(() =>
            {
                var all = nextHop.Transactions;
                var waiting = all.Where(t => t.Completed && t.EndReply is null).ToList();
                return all.Count(t => t.EndReply?.StartsWith("250", StringComparison.Ordinal) == true) == answered && waiting.Count == connections ? waiting : null;
            }, () => $"the next hop should have answered {answered} messages and hold {connections} unanswered; it saw: {string.Join(" | ", nextHop.Transactions)}\n{first.LogTail()}");
            await KillAsync(first);
        }
        Volatile.Write(ref stalling.Value, false);

        if (afterRestart == AfterRestart.DefersOnceThenAnotherKill)
        {
            // Retries an hour away: this run only defers, and is killed once every deferral is committed.
            await using var second = await RelayProcess.StartInAsync(folder.Path, [.. args, "--Delivery:RetrySchedule=1h"]);
            second.DrainLog();
            using var http = HttpOf(second);
            JsonElement counts = default;
            await WaitUntilAsync(async () =>
            {
                counts = (await GetJsonAsync(http, "/api/v1/queue")).GetProperty("counts");
                return counts.GetProperty("deferred").GetInt64() == count - answered && counts.GetProperty("queued").GetInt64() == 0 ? "" : null;
            }, () => $"all {count - answered} undelivered recipients should be deferred: {counts}\n{second.LogTail()}");
            await KillAsync(second);
        }

        await using var last = await RelayProcess.StartInAsync(folder.Path, args);
        last.DrainLog();
        using var api = HttpOf(last);
        if (afterRestart == AfterRestart.DefersOnceThenAnotherKill)
        {
            using var flush = new HttpRequestMessage(HttpMethod.Post, "/api/v1/queue/flush");
            flush.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", AdminToken);
            (await api.SendAsync(flush)).EnsureSuccessStatusCode();
        }
        var seen = await WaitForAllAsync(nextHop, acknowledged, last);

        await AssertDeliveredAsync(api, acknowledged, last);
        var cutOff = stalled.Select(t => MessageIdOf(t.ContentText)).ToHashSet();
        foreach (var transactions in seen)
        {
            // Each message got exactly one 250; each cut-off one also sits at the next hop unanswered (a repeat).
            var replies = string.Join(", ", transactions.Select(t => t.EndReply ?? "(no reply)"));
            Assert.True(transactions.Count(t => t.EndReply?.StartsWith("250", StringComparison.Ordinal) == true) == 1, $"{transactions.Key}: {replies}");
            Assert.True(transactions.Count(t => t.EndReply is null) == (cutOff.Contains(transactions.Key) ? 1 : 0), $"{transactions.Key}: {replies}; cut off: {string.Join(", ", cutOff)}");
        }
        var repeats = await RepeatsMetricAsync(api);
        output.WriteLine($"{acknowledged.Count} acknowledged, {cutOff.Count} cut off and sent again; smarthostlab_relay_delivery_repeats_total = {repeats}");
        Assert.True(repeats == cutOff.Count,
            $"smarthostlab_relay_delivery_repeats_total should count the {cutOff.Count} messages sent again after the restart, is {repeats}\n{last.LogTail()}");
    }

    private const string AdminToken = "admin-token-1234";

    private sealed record Submitted(string QueueId, string MessageId);

    /// <summary>kill -9, and the proof that the process died of it rather than ending on its own.</summary>
    private static async Task KillAsync(RelayProcess relay)
    {
        await relay.KillAsync();
        Assert.True(relay.Process.ExitCode == 137, $"the relay should have died of SIGKILL (137), not exited {relay.Process.ExitCode}");
    }

    private static string[] RelayArgs(int nextHopPort, params string[] extra) =>
    [
        "--Accounts:0:Name=lab",
        "--Accounts:0:OutboundServers:0=127.0.0.2",
        "--Accounts:0:Domains:0=contoso.test",
        "--Smtp:HostName=relay.test",
        "--Delivery:Mode=NextHop",
        $"--Delivery:NextHop=127.0.0.1:{nextHopPort}",
        "--Delivery:ConnectTimeout=00:00:05",
        .. extra,
    ];

    /// <summary>Sends <paramref name="count"/> messages over four connections from the registered address; the acknowledged ones.</summary>
    private static async Task<List<Submitted>> SubmitAsync(RelayProcess relay, string tag, int count)
    {
        var run = Guid.NewGuid().ToString("N")[..12];
        var endPoint = IPEndPoint.Parse(relay.SmtpEndpoint);
        const int senders = 4;
        var batches = await Task.WhenAll(Enumerable.Range(0, senders).Select(async sender =>
        {
            var acknowledged = new List<Submitted>();
            await using var client = await RawSmtpClient.ConnectAsync(endPoint, IPAddress.Parse("127.0.0.2"));
            Assert.StartsWith("220", await client.ReadReplyAsync());
            Assert.StartsWith("250", await client.CommandAsync("EHLO exchange.contoso.test"));
            for (var i = sender; i < count; i += senders)
            {
                var messageId = $"{tag}-{run}-{i}@contoso.test";
                Assert.StartsWith("250", await client.CommandAsync("MAIL FROM:<alice@contoso.test>"));
                Assert.StartsWith("250", await client.CommandAsync("RCPT TO:<bob@example.com>"));
                Assert.StartsWith("354", await client.CommandAsync("DATA"));
                await client.SendAsync(
                    $"From: Alice <alice@contoso.test>\r\nTo: Bob <bob@example.com>\r\nSubject: {tag} {i}\r\n" +
                    $"Message-ID: <{messageId}>\r\nDate: Sun, 06 Dec 2026 12:00:00 +0000\r\n\r\nMessage {i} of {count}.\r\n.\r\n");
                var reply = await client.ReadReplyAsync();
                var queued = QueuedAs().Match(reply);
                Assert.True(queued.Success, $"message {i}: {reply}");
                acknowledged.Add(new Submitted(queued.Groups[1].Value, messageId));
            }
            await client.CommandAsync("QUIT");
            return acknowledged;
        }));
        return [.. batches.SelectMany(b => b)];
    }

    /// <summary>Waits until every acknowledged message reached the next hop with a 250; then every complete transaction there, by Message-ID.</summary>
    private static async Task<ILookup<string, ScriptedTransaction>> WaitForAllAsync(ScriptedSmtpServer nextHop, List<Submitted> acknowledged, RelayProcess relay)
    {
        var expected = acknowledged.Select(a => a.MessageId).ToHashSet();
        List<string> missing = [];
        await WaitUntilAsync(() =>
        {
            var delivered = nextHop.Transactions.Where(t => t.EndReply?.StartsWith("250", StringComparison.Ordinal) == true).Select(t => MessageIdOf(t.ContentText)).ToHashSet();
            missing = [.. expected.Where(m => !delivered.Contains(m))];
            return missing.Count == 0 ? missing : null;
        }, () => $"{missing.Count} of {expected.Count} acknowledged messages never reached the next hop: {string.Join(", ", missing.Take(10))}\n" +
                 $"next hop: {nextHop.Transactions.Count} transactions on {nextHop.Connections.Count} connections\n{relay.LogTail()}");
        return nextHop.Transactions.Where(t => t.Completed).ToLookup(t => MessageIdOf(t.ContentText));
    }

    /// <summary>Every acknowledged queue id is in the restarted relay's store with its recipient delivered.</summary>
    private static async Task AssertDeliveredAsync(HttpClient api, List<Submitted> acknowledged, RelayProcess relay)
    {
        foreach (var (queueId, messageId) in acknowledged)
        {
            // The outcome is committed with the worker's next claim or when its connection ends: wait for it.
            using var response = await api.GetAsync($"/api/v1/wait?token={Uri.EscapeDataString(messageId)}&delivery=delivered&timeout=30");
            var body = await response.Content.ReadAsStringAsync();
            Assert.True(response.IsSuccessStatusCode, $"{queueId} ({messageId}): {(int)response.StatusCode} {body}\n{relay.LogTail()}");
            var message = JsonDocument.Parse(body).RootElement;
            Assert.Equal(queueId, message.GetProperty("id").GetString());
            var delivery = Assert.Single(message.GetProperty("delivery").EnumerateArray());
            Assert.True(delivery.GetProperty("state").GetString() == "delivered", $"{queueId}: {delivery}");
        }
    }

    private static async Task<long> RepeatsMetricAsync(HttpClient api)
    {
        return (long)PrometheusText.Sum(await api.GetStringAsync("/metrics"), "smarthostlab_relay_delivery_repeats_total");
    }

    private static async Task<JsonElement> GetJsonAsync(HttpClient http, string path) =>
        JsonDocument.Parse(await http.GetStringAsync(path)).RootElement.Clone();

    private static HttpClient HttpOf(RelayProcess relay) => new() { BaseAddress = relay.HttpBaseAddress, Timeout = TimeSpan.FromSeconds(60) };

    private static string MessageIdOf(string content)
    {
        var match = MessageIdHeader().Match(content);
        return match.Success ? match.Groups[1].Value : "(no Message-ID)";
    }

    /// <summary>Polls <paramref name="probe"/> every 100 ms until it returns non-null, for <see cref="Limit"/> at most.</summary>
    private static Task<T> WaitUntilAsync<T>(Func<T?> probe, Func<string> failure) where T : class =>
        WaitUntilAsync(() => Task.FromResult(probe()), failure);

    /// <inheritdoc cref="WaitUntilAsync{T}(Func{T}, Func{string})"/>
    private static async Task<T> WaitUntilAsync<T>(Func<Task<T?>> probe, Func<string> failure) where T : class
    {
        var deadline = DateTime.UtcNow + Limit;
        while (true)
        {
            if (await probe() is { } result) return result;
            if (DateTime.UtcNow > deadline) Assert.Fail($"after {Limit.TotalSeconds:0} s: {failure()}");
            await Task.Delay(100);
        }
    }

    /// <summary>
    /// A free loopback port below Linux's ephemeral range (32768-60999), so that no outgoing connection is given it
    /// while the test has nothing listening there.
    /// </summary>
    private static int FreePortOutsideEphemeralRange()
    {
        for (var attempt = 0; attempt < 200; attempt++)
        {
            var port = Random.Shared.Next(20000, 32000);
            using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            try
            {
                socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
                return port;
            }
            catch (SocketException)
            {
                // taken; try another
            }
        }
        throw new InvalidOperationException("no free loopback port in 20000-31999");
    }

    [GeneratedRegex(@"^250 2\.0\.0 Ok: queued as (\S+)$")]
    private static partial Regex QueuedAs();

    [GeneratedRegex(@"(?m)^Message-ID: <([^>]+)>\r?$")]
    private static partial Regex MessageIdHeader();
}
