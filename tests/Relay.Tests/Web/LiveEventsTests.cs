using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using SmarthostLab.Relay.Storage;
using SmarthostLab.Relay.Tests.Infrastructure;
using SmarthostLab.Relay.Web;
using SmarthostLab.Tests.Support;

namespace SmarthostLab.Relay.Tests.Web;

/// <summary>
/// GET /api/v1/events (issue 15): what the store commits arrives as Server-Sent Events; a client that does not read
/// costs a bounded queue and a resync, never the store's writer.
/// </summary>
public sealed class LiveEventsTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(30);

    /// <summary>Reads SSE blocks (event name, data) from a response stream.</summary>
    private sealed class EventReader(Stream stream)
    {
        private readonly StreamReader _reader = new(stream, Encoding.UTF8);

        public async Task<(string Event, string Data)> NextAsync(Func<string, bool>? wanted = null)
        {
            using var timeout = new CancellationTokenSource(Limit);
            while (true)
            {
                string name = "message", data = "";
                string? line;
                while ((line = await _reader.ReadLineAsync(timeout.Token)) is not null && line.Length > 0)
                {
                    if (line.StartsWith("event: ", StringComparison.Ordinal)) name = line[7..];
                    else if (line.StartsWith("data: ", StringComparison.Ordinal)) data = line[6..];
                }
                if (line is null) throw new IOException("the stream ended");
                if (data.Length > 0 && (wanted is null || wanted(name))) return (name, data);
            }
        }
    }

    private static async Task<(HttpResponseMessage Response, EventReader Events)> SubscribeAsync(HttpClient http)
    {
        var response = await http.GetAsync("/api/v1/events", HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var events = new EventReader(await response.Content.ReadAsStreamAsync());
        Assert.Equal("hello", (await events.NextAsync()).Event);
        return (response, events);
    }

    [Fact]
    public async Task Messages_and_refusals_arrive_after_their_commit_with_their_ids()
    {
        await using var relay = await TestRelay.StartAsync("--Verification:Dns:Offline=true");
        var (response, events) = await SubscribeAsync(relay.Http);
        using (response)
        {
            await using (var client = await relay.OpenDataAsync())
            {
                await client.SendAsync("Subject: live one\r\n\r\nHello.\r\n.\r\n");
                var reply = await client.ReadReplyAsync();
                var id = Mail.QueueIdOf(reply);
                var (name, data) = await events.NextAsync(e => e == "message");
                using var message = JsonDocument.Parse(data);
                Assert.Equal(id, message.RootElement.GetProperty("id").GetString());
                Assert.Equal("live one", message.RootElement.GetProperty("subject").GetString());
                Assert.Equal("127.0.0.2", message.RootElement.GetProperty("clientIp").GetString());
                Assert.Equal("stored", message.RootElement.GetProperty("delivery")[0].GetProperty("state").GetString());
            }

            await using (var refused = await RawSmtpClient.ConnectAsync(relay.Smtp, TestRelay.Unregistered))
                Assert.StartsWith("554", await refused.ReadReplyAsync());
            var (_, refusalData) = await events.NextAsync(e => e == "refusal");
            using var refusal = JsonDocument.Parse(refusalData);
            Assert.Equal("127.0.0.3", refusal.RootElement.GetProperty("clientIp").GetString());
            Assert.Equal("unregistered-ip", refusal.RootElement.GetProperty("reason").GetString());
            var stored = Assert.Single((await relay.RefusalsAsync()).Refusals);
            Assert.Equal(stored.Id, refusal.RootElement.GetProperty("id").GetInt64());

            using (var delete = await relay.Http.SendAsync(relay.Admin(HttpMethod.Delete, "/api/v1/messages")))
                Assert.Equal(HttpStatusCode.NoContent, delete.StatusCode);
            Assert.Equal("deleted", (await events.NextAsync(e => e == "deleted")).Event);
        }
    }

    [Fact]
    public async Task A_client_that_does_not_read_holds_neither_the_writer_nor_memory_and_is_told_to_resync()
    {
        await using var relay = await TestRelay.StartAsync();
        var feed = relay.Relay.Services.GetRequiredService<LiveFeed>();
        var store = relay.Relay.Services.GetRequiredService<IMessageStore>();
        // A raw client with a small receive window that sends its request and then reads nothing.
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
        await socket.ConnectAsync(relay.Relay.HttpEndPoint);
        await socket.SendAsync(Encoding.ASCII.GetBytes($"GET /api/v1/events HTTP/1.1\r\nHost: {relay.Relay.HttpEndPoint}\r\n\r\n"));
        for (var i = 0; i < 200 && feed.Subscribers == 0; i++) await Task.Delay(50);
        Assert.Equal(1, feed.Subscribers);

        // 3,000 messages of 2 KB subjects: far more than the socket buffers, the response buffer and the client's queue hold.
        var subject = new string('x', 2000);
        var stored = 0;
        for (var from = 0; from < 3000; from += 500)
        {
            await Task.WhenAll(Enumerable.Range(from, 500).Select(n => store.AddMessageAsync(new NewMessage(
                new StoredMessage { Id = $"SLOW{n:D5}", ClientIp = "127.0.0.2", MailFrom = "a@contoso.test", Recipients = ["b@example.com"], Subject = subject },
                "x"u8.ToArray(), "", "")))).WaitAsync(Limit);
            stored += 500;
        }
        Assert.Equal(3000, stored); // every commit completed while the client read nothing
        Assert.True(feed.Dropped > 0, "nothing was dropped: the test did not fill the client's queue");

        // Reading now, the client finds a resync in place of what it could not take.
        var seen = new StringBuilder();
        var buffer = new byte[64 * 1024];
        using var timeout = new CancellationTokenSource(Limit);
        while (!seen.ToString().Contains("event: resync", StringComparison.Ordinal))
        {
            var read = await socket.ReceiveAsync(buffer, SocketFlags.None, timeout.Token);
            Assert.True(read > 0, "the stream ended before a resync");
            seen.Append(Encoding.UTF8.GetString(buffer, 0, read));
            if (seen.Length > 4_000_000) seen.Remove(0, seen.Length - 100); // keep the tail, a marker may straddle reads
        }
    }

    [Fact]
    public async Task Past_the_client_limit_a_stream_is_refused_with_503()
    {
        await using var relay = await TestRelay.StartAsync();
        var open = new List<HttpResponseMessage>();
        try
        {
            for (var i = 0; i < LiveFeed.MaxSubscribers; i++)
                open.Add((await SubscribeAsync(relay.Http)).Response);
            using var refused = await relay.Http.GetAsync("/api/v1/events", HttpCompletionOption.ResponseHeadersRead);
            Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.StatusCode);
            Assert.Contains("too many live clients", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        }
        finally
        {
            foreach (var response in open) response.Dispose();
        }
    }

    [Fact]
    public async Task The_writer_hands_nothing_over_while_nobody_listens_and_a_full_queue_drops_and_marks()
    {
        await using var feed = new LiveFeed();
        ICommitFeed hook = feed;
        Assert.False(hook.IsActive);
        var subscriber = feed.Subscribe()!;
        Assert.True(hook.IsActive);
        var refusal = new RefusalRecord(0, DateTimeOffset.UtcNow, "127.0.0.3", null, "connect", "554 5.7.1 x", "unregistered-ip", null, null, null);
        for (var i = 0; i < 10 * LiveFeed.SubscriberCapacity; i++)
            hook.Committed([new StoreWrite(StoreWriteKind.Refusal, static (_, _, _) => { }) { Refusal = refusal, RowId = i + 1 }], deleted: false);
        for (var i = 0; i < 200 && feed.Dropped == 0; i++) await Task.Delay(20);
        Assert.True(subscriber.Queued <= LiveFeed.SubscriberCapacity);
        Assert.True(feed.Dropped > 0);
        Assert.True(subscriber.TakeOverflow());
        Assert.False(subscriber.TakeOverflow()); // once
        feed.Unsubscribe(subscriber);
        Assert.False(hook.IsActive);
    }
}
