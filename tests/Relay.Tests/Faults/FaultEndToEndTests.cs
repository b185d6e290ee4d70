using System.Net;
using System.Net.Sockets;
using System.Text;
using SmarthostLab.Relay.Tests.Infrastructure;
using SmarthostLab.Tests.Support;

namespace SmarthostLab.Relay.Tests.Faults;

/// <summary>
/// Issue 14: fault rules in the relay, end to end over loopback with raw-socket clients: each action at several
/// stages, rules from the configuration and the admin API, their counters and the refusals they leave.
/// </summary>
public sealed class FaultEndToEndTests
{
    private const string TempfailAtRcpt = """{"name":"tempfail","stage":"rcpt","reply":{"code":451,"enhancedCode":"4.7.1","text":"Try again later"}}""";

    [Fact]
    public async Task A_451_rule_at_RCPT_tempfails_until_it_is_removed_through_the_API_then_the_retry_is_stored()
    {
        await using var relay = await TestRelay.StartAsync();
        await FaultLab.AddAsync(relay, TempfailAtRcpt);

        Assert.Equal("451 4.7.1 Try again later", await FaultLab.SendAsync(relay, "first try"));
        var listed = await FaultLab.RuleAsync(relay, "tempfail");
        Assert.Equal(1, listed.GetProperty("hits").GetInt64());
        Assert.Equal("api", listed.GetProperty("source").GetString());
        Assert.Equal("rcpt", listed.GetProperty("rule").GetProperty("stage").GetString());

        var refusal = Assert.Single(await FaultLab.RefusalsOfAsync(relay, "tempfail"));
        Assert.Equal(("rcpt", "451 4.7.1 Try again later", "bob@example.com", "alice@contoso.test", "lab"),
            (refusal.Stage, refusal.Reply, refusal.Recipient, refusal.MailFrom, refusal.Account));
        Assert.Equal(1, await relay.MetricAsync("smarthostlab_relay_faults_hits_total{rule=\"tempfail\",stage=\"rcpt\"}"));
        Assert.Equal(0, (await relay.MessagesAsync()).Total);

        using (var removed = await FaultLab.DeleteAsync(relay, "tempfail")) Assert.Equal(HttpStatusCode.OK, removed.StatusCode);
        Assert.StartsWith("250 2.0.0 Ok: queued as ", await FaultLab.SendAsync(relay, "retry"));
        Assert.Equal("retry", Assert.Single((await relay.MessagesAsync()).Messages).Subject);
        Assert.Equal(0, (await FaultLab.RulesAsync(relay)).GetArrayLength());
        using var again = await FaultLab.DeleteAsync(relay, "tempfail");
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
    }

    [Fact]
    public async Task A_configured_multi_line_554_at_connect_refuses_the_session_like_an_unregistered_client()
    {
        await using var relay = await TestRelay.StartAsync(
            "--Faults:Rules:0:Name=closed", "--Faults:Rules:0:Stage=Connect",
            "--Faults:Rules:0:Reply:Code=554", "--Faults:Rules:0:Reply:EnhancedCode=5.3.2",
            "--Faults:Rules:0:Reply:Text=relay.test is closed for the lab\nsee the lab notes");
        await using var client = await RawSmtpClient.ConnectAsync(relay.Smtp, TestRelay.Registered);
        Assert.Equal("554-5.3.2 relay.test is closed for the lab\n554 5.3.2 see the lab notes", await client.ReadReplyAsync());
        await client.SendAsync("EHLO exchange.contoso.test\r\nQUIT\r\n");
        Assert.Equal("503 5.7.1 Session refused; only QUIT is accepted", await client.ReadReplyAsync());
        Assert.StartsWith("221 ", await client.ReadReplyAsync());

        // One refusal for the session: the 503s that follow are not recorded again.
        var refusal = Assert.Single((await relay.RefusalsAsync()).Refusals);
        Assert.Equal(("connect", "554 5.3.2 relay.test is closed for the lab", "fault:closed"), (refusal.Stage, refusal.Reply, refusal.Reason));
        Assert.Equal("config", (await FaultLab.RuleAsync(relay, "closed")).GetProperty("source").GetString());
    }

    [Fact]
    public async Task A_421_at_EHLO_closes_the_connection_after_the_reply()
    {
        await using var relay = await TestRelay.StartAsync();
        await FaultLab.AddAsync(relay, """{"name":"busy","stage":"ehlo","helo":"*.contoso.test","reply":{"code":421,"enhancedCode":"4.3.2","text":"relay.test busy, closing"}}""");
        await using var client = await RawSmtpClient.ConnectAsync(relay.Smtp, TestRelay.Registered);
        Assert.StartsWith("220 ", await client.ReadReplyAsync());
        Assert.Equal("421 4.3.2 relay.test busy, closing", await client.CommandAsync("EHLO exchange.contoso.test"));
        Assert.Null(await client.ReadLineAsync(TimeSpan.FromSeconds(10)));
        Assert.Equal("exchange.contoso.test", Assert.Single(await FaultLab.RefusalsOfAsync(relay, "busy")).Helo);
    }

    [Theory]
    [InlineData("connect")]
    [InlineData("mail")]
    [InlineData("data")]
    public async Task Close_without_a_reply_drops_the_line_at_its_stage_and_is_recorded(string stage)
    {
        await using var relay = await TestRelay.StartAsync();
        await FaultLab.AddAsync(relay, $$"""{"name":"drop","stage":"{{stage}}","close":true}""");
        await using var client = await RawSmtpClient.ConnectAsync(relay.Smtp, TestRelay.Registered);
        var sent = new List<string>();
        if (stage != "connect")
        {
            Assert.StartsWith("220 ", await client.ReadReplyAsync());
            Assert.StartsWith("250", await client.CommandAsync("EHLO exchange.contoso.test"));
            string[] steps = stage == "mail" ? ["MAIL FROM:<alice@contoso.test>"] : ["MAIL FROM:<alice@contoso.test>", "RCPT TO:<bob@example.com>", "DATA"];
            for (var i = 0; i < steps.Length - 1; i++) Assert.StartsWith("250", await client.CommandAsync(steps[i]));
            await client.SendAsync(steps[^1] + "\r\n");
        }
        Assert.Null(await client.ReadLineAsync(TimeSpan.FromSeconds(10)));

        var refusal = Assert.Single(await FaultLab.RefusalsOfAsync(relay, "drop"));
        Assert.Equal((stage, "(connection closed without a reply)"), (refusal.Stage, refusal.Reply));
        Assert.Equal(0, (await relay.MessagesAsync()).Total);
    }

    [Theory]
    [InlineData("data")]
    [InlineData("bdat")]
    public async Task Close_after_N_octets_reads_part_of_the_message_then_drops_the_line_and_stores_nothing(string stage)
    {
        await using var relay = await TestRelay.StartAsync();
        await FaultLab.AddAsync(relay, $$"""{"name":"mid-data","stage":"{{stage}}","closeAfterOctets":1000}""");
        await using var client = await FaultLab.ConnectAsync(relay);
        Assert.StartsWith("250", await client.CommandAsync("MAIL FROM:<alice@contoso.test>"));
        Assert.StartsWith("250", await client.CommandAsync("RCPT TO:<bob@example.com>"));
        var message = "Subject: cut short\r\n\r\n" + string.Concat(Enumerable.Repeat("0123456789012345678901234567890123456789\r\n", 100));
        if (stage == "data")
        {
            Assert.StartsWith("354", await client.CommandAsync("DATA"));
            await SendIgnoringResetAsync(client, message + ".\r\n");
        }
        else
        {
            await SendIgnoringResetAsync(client, $"BDAT {message.Length} LAST\r\n{message}");
        }
        Assert.Null(await ReadLineOrResetAsync(client));

        Assert.Equal(0, (await relay.MessagesAsync()).Total);
        var refusal = Assert.Single(await FaultLab.RefusalsOfAsync(relay, "mid-data"));
        Assert.Equal((stage, "(connection closed after 1000 octets of message data)"), (refusal.Stage, refusal.Reply));
    }

    [Fact]
    public async Task A_tarpit_sends_the_reply_in_small_pieces_and_the_next_reply_only_after_it()
    {
        await using var relay = await TestRelay.StartAsync();
        // 40 octets a second: pieces of 4 octets, ten a second; "250 2.1.0 Sender OK\r\n" takes six of them.
        await FaultLab.AddAsync(relay, """{"name":"slow","stage":"mail","tarpitOctetsPerSecond":40}""");
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(TestRelay.Registered, 0));
        await socket.ConnectAsync(relay.Smtp);
        using var stream = new NetworkStream(socket);
        var received = new StringBuilder();
        await ReadUntilAsync(stream, received, "ready\r\n", reads: null);
        await stream.WriteAsync("EHLO exchange.contoso.test\r\n"u8.ToArray());
        await ReadUntilAsync(stream, received, "250 BINARYMIME\r\n", reads: null);
        received.Clear();

        await stream.WriteAsync("MAIL FROM:<alice@contoso.test>\r\nNOOP\r\n"u8.ToArray());
        var reads = new List<int>();
        await ReadUntilAsync(stream, received, "250 2.0.0 OK\r\n", reads);
        Assert.Equal("250 2.1.0 Sender OK\r\n250 2.0.0 OK\r\n", received.ToString());
        // Written in pieces a tenth of a second apart: they cannot all arrive in one read.
        Assert.True(reads.Count >= 3, $"the tarpitted reply came in {reads.Count} reads ({string.Join(", ", reads)} octets)");
        Assert.Equal(1, (await FaultLab.RuleAsync(relay, "slow")).GetProperty("hits").GetInt64());
        Assert.Empty(await FaultLab.RefusalsOfAsync(relay, "slow")); // a slow 250 refuses nothing
    }

    [Fact]
    public async Task EveryNth_and_a_seeded_probability_give_the_same_replies_in_two_runs_of_the_relay()
    {
        string[] rules =
        [
            "--Faults:Rules:0:Name=third", "--Faults:Rules:0:Stage=Rcpt", "--Faults:Rules:0:RcptTo=nth-*@example.com",
            "--Faults:Rules:0:EveryNth=3", "--Faults:Rules:0:Reply:Code=451",
            "--Faults:Rules:1:Name=coin", "--Faults:Rules:1:Stage=rcpt", "--Faults:Rules:1:RcptTo=p-*@EXAMPLE.com",
            "--Faults:Rules:1:Probability=0.5", "--Faults:Rules:1:Seed=42", "--Faults:Rules:1:Reply:Code=452", "--Faults:Rules:1:Reply:EnhancedCode=4.2.2",
        ];
        var first = await RunAsync();
        var second = await RunAsync();

        Assert.Equal(string.Concat(Enumerable.Repeat("..x", 4)), first.Nth);
        Assert.Equal(first, second);
        Assert.Contains('x', first.Coin);
        Assert.Contains('.', first.Coin);

        async Task<(string Nth, string Coin)> RunAsync()
        {
            await using var relay = await TestRelay.StartAsync(rules);
            await using var client = await FaultLab.ConnectAsync(relay);
            Assert.StartsWith("250", await client.CommandAsync("MAIL FROM:<alice@contoso.test>"));
            var nth = new StringBuilder();
            var coin = new StringBuilder();
            for (var i = 0; i < 12; i++) nth.Append(Outcome(await client.CommandAsync($"RCPT TO:<nth-{i}@example.com>"), "451 4.0.0 SmarthostLab fault rule third"));
            for (var i = 0; i < 24; i++) coin.Append(Outcome(await client.CommandAsync($"RCPT TO:<p-{i}@example.com>"), "452 4.2.2 SmarthostLab fault rule coin"));
            Assert.Equal(4, (await FaultLab.RuleAsync(relay, "third")).GetProperty("hits").GetInt64());
            Assert.Equal(12, (await FaultLab.RuleAsync(relay, "third")).GetProperty("matches").GetInt64());
            Assert.Equal(coin.ToString().Count(c => c == 'x'), (await FaultLab.RuleAsync(relay, "coin")).GetProperty("hits").GetInt64());
            return (nth.ToString(), coin.ToString());
        }

        static char Outcome(string reply, string fault) => reply == fault ? 'x' : reply.StartsWith("250 ", StringComparison.Ordinal) ? '.' : throw new Xunit.Sdk.XunitException(reply);
    }

    [Fact]
    public async Task MaxHits_stops_a_rule_after_that_many_hits()
    {
        await using var relay = await TestRelay.StartAsync();
        await FaultLab.AddAsync(relay, """{"name":"twice","stage":"mail","maxHits":2,"reply":{"code":450,"enhancedCode":"4.2.1","text":"mailbox busy"}}""");
        await using var client = await FaultLab.ConnectAsync(relay);
        Assert.Equal("450 4.2.1 mailbox busy", await client.CommandAsync("MAIL FROM:<alice@contoso.test>"));
        Assert.Equal("450 4.2.1 mailbox busy", await client.CommandAsync("MAIL FROM:<alice@contoso.test>"));
        Assert.StartsWith("250 ", await client.CommandAsync("MAIL FROM:<alice@contoso.test>"));
        Assert.Equal(2, (await FaultLab.RuleAsync(relay, "twice")).GetProperty("hits").GetInt64());
        Assert.Equal(2, (await FaultLab.RefusalsOfAsync(relay, "twice")).Count);
    }

    [Fact]
    public async Task A_header_token_at_end_of_data_refuses_only_the_messages_that_carry_it()
    {
        await using var relay = await TestRelay.StartAsync();
        await FaultLab.AddAsync(relay, """{"name":"by-header","stage":"end-of-data","header":"X-Lab-Fault: tempfail","reply":{"code":451,"enhancedCode":"4.3.0","text":"header asked for it"}}""");
        await FaultLab.AddAsync(relay, """{"name":"by-subject","stage":"EndOfData","subject":"[reject me]","reply":{"code":554,"enhancedCode":"5.6.0","text":"subject asked for it"}}""");

        Assert.Equal("451 4.3.0 header asked for it", await FaultLab.SendAsync(relay, "one", headers: "X-Lab-Fault: TempFail\r\n"));
        Assert.Equal("554 5.6.0 subject asked for it", await FaultLab.SendAsync(relay, "two [REJECT ME] please"));
        Assert.StartsWith("250 ", await FaultLab.SendAsync(relay, "three", headers: "X-Other: tempfail\r\n"));

        Assert.Equal("three", Assert.Single((await relay.MessagesAsync()).Messages).Subject);
        Assert.Equal("end-of-data", Assert.Single(await FaultLab.RefusalsOfAsync(relay, "by-header")).Stage);
        Assert.Single(await FaultLab.RefusalsOfAsync(relay, "by-subject"));
    }

    [Fact]
    public async Task A_rule_matches_on_account_client_address_and_sender()
    {
        await using var relay = await TestRelay.StartAsync("--Admission:RefuseAt=Rcpt");
        await FaultLab.AddAsync(relay, """{"name":"lab-only","stage":"mail","account":"LAB","clientIp":"127.0.0.0/30","mailFrom":"*@contoso.test","reply":{"code":451}}""");

        Assert.Equal("451 4.0.0 SmarthostLab fault rule lab-only", await FaultLab.SendAsync(relay, "x"));
        await using (var client = await FaultLab.ConnectAsync(relay))
        {
            Assert.StartsWith("250 ", await client.CommandAsync("MAIL FROM:<>"));
            await client.CommandAsync("RSET");
            Assert.StartsWith("250 ", await client.CommandAsync("MAIL FROM:<alice@fabrikam.test>"));
        }
        // An unregistered client has no account: the rule does not match it (its RCPT is refused as usual).
        await using var stranger = await RawSmtpClient.ConnectAsync(relay.Smtp, TestRelay.Unregistered);
        await stranger.ReadReplyAsync();
        await stranger.CommandAsync("EHLO stranger.test");
        Assert.StartsWith("250 ", await stranger.CommandAsync("MAIL FROM:<alice@contoso.test>"));
    }

    [Fact]
    public async Task A_delay_holds_the_reply_and_the_message_is_stored_after_it()
    {
        await using var relay = await TestRelay.StartAsync();
        await FaultLab.AddAsync(relay, """{"name":"pause","stage":"end-of-data","delay":"00:00:00.300"}""");
        Assert.StartsWith("250 2.0.0 Ok: queued as ", await FaultLab.SendAsync(relay, "delayed"));
        Assert.Equal(1, (await relay.MessagesAsync()).Total);
        Assert.Equal(1, (await FaultLab.RuleAsync(relay, "pause")).GetProperty("hits").GetInt64());
    }

    [Fact]
    public async Task Rules_posted_and_configured_rules_deleted_through_the_API_survive_a_restart()
    {
        using var folder = new TempFolder();
        string[] config = ["--Faults:Rules:0:Name=configured", "--Faults:Rules:0:Stage=mail", "--Faults:Rules:0:Reply:Code=550", "--Faults:Rules:0:Reply:EnhancedCode=5.7.1"];
        await using (var relay = await TestRelay.StartInAsync(folder.Path, config))
        {
            Assert.StartsWith("550 5.7.1", await FaultLab.SendAsync(relay, "x"));
            await FaultLab.AddAsync(relay, TempfailAtRcpt);
            using var removed = await FaultLab.DeleteAsync(relay, "configured");
            Assert.Equal(HttpStatusCode.OK, removed.StatusCode);
        }
        await using (var restarted = await TestRelay.StartInAsync(folder.Path, config))
        {
            var rule = Assert.Single((await FaultLab.RulesAsync(restarted)).EnumerateArray());
            Assert.Equal(("tempfail", "api", 0), (rule.GetProperty("name").GetString(), rule.GetProperty("source").GetString(), rule.GetProperty("hits").GetInt64()));
            Assert.Equal("451 4.7.1 Try again later", await FaultLab.SendAsync(restarted, "y"));

            // The configured name may be posted again: it is then the API's rule.
            await FaultLab.AddAsync(restarted, """{"name":"configured","stage":"helo","delay":"00:00:00.010"}""");
            using var all = await FaultLab.DeleteAsync(restarted, null);
            Assert.Equal(HttpStatusCode.OK, all.StatusCode);
        }
        await using (var again = await TestRelay.StartInAsync(folder.Path, config))
        {
            Assert.Equal(0, (await FaultLab.RulesAsync(again)).GetArrayLength());
            Assert.StartsWith("250 ", await FaultLab.SendAsync(again, "z"));
        }
    }

    [Fact]
    public async Task With_no_rules_the_stage_hook_allocates_nothing()
    {
        await using var relay = await TestRelay.StartAsync();
        var handler = (Smtp.Session.ISmtpSessionHandler)relay.Relay.Services.GetService(typeof(Smtp.Session.ISmtpSessionHandler))!;
        var session = new Smtp.Session.SessionContext("alloc", new IPEndPoint(TestRelay.Registered, 40000), relay.Smtp);
        var envelope = new Smtp.Session.Envelope { MailFrom = "alice@contoso.test" };
        var input = new Smtp.Session.SmtpStageInput(null, envelope, "bob@example.com", null);
        for (var i = 0; i < 100; i++) await handler.OnStageAsync(session, Smtp.Session.SmtpStage.Rcpt, input, CancellationToken.None); // warm up
        var stages = Enum.GetValues<Smtp.Session.SmtpStage>();
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 10_000; i++)
        {
            foreach (var stage in stages)
            {
                var fault = handler.OnStageAsync(session, stage, input, CancellationToken.None);
                Assert.True(fault.IsCompletedSuccessfully);
                Assert.Null(await fault);
            }
        }
        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }

    /// <summary>Reads until <paramref name="end"/> has arrived, recording each read's size in <paramref name="reads"/>.</summary>
    private static async Task ReadUntilAsync(NetworkStream stream, StringBuilder received, string end, List<int>? reads)
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var buffer = new byte[4096];
        while (!received.ToString().Contains(end, StringComparison.Ordinal))
        {
            var n = await stream.ReadAsync(buffer, limit.Token);
            if (n == 0) throw new IOException("closed after: " + received);
            received.Append(Encoding.ASCII.GetString(buffer, 0, n));
            reads?.Add(n);
        }
    }

    /// <summary>Writes, ignoring a reset: the relay may drop the line while the client is still sending.</summary>
    private static async Task SendIgnoringResetAsync(RawSmtpClient client, string text)
    {
        try
        {
            await client.SendAsync(text);
        }
        catch (IOException)
        {
        }
    }

    /// <summary>The next line, or null when the relay closed (a reset counts as closed).</summary>
    private static async Task<string?> ReadLineOrResetAsync(RawSmtpClient client)
    {
        try
        {
            return await client.ReadLineAsync(TimeSpan.FromSeconds(10));
        }
        catch (IOException exception) when (exception.InnerException is SocketException)
        {
            return null;
        }
    }
}
