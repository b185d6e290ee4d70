using SmarthostLab.Relay.Tests.Infrastructure;
using SmarthostLab.Tests.Support;

namespace SmarthostLab.Relay.Tests.Limits;

/// <summary>
/// Issue 14's rate limits and greylisting over real sockets: the replies on the wire, the refusals the API explains, the
/// metrics per limit, the greylist surviving a restart. Real clock; no assertion on durations.
/// </summary>
public sealed class RateLimitEndToEndTests
{
    private const string Body = "Subject: limits\r\n\r\nHello.\r\n.\r\n";

    private static async Task<RawSmtpClient> GreetedAsync(TestRelay relay)
    {
        var client = await RawSmtpClient.ConnectAsync(relay.Smtp, TestRelay.Registered);
        Assert.StartsWith("220 ", await client.ReadReplyAsync());
        Assert.StartsWith("250", await client.CommandAsync("EHLO exchange.contoso.test"));
        return client;
    }

    private static async Task<string> SendOneAsync(RawSmtpClient client, string to = "bob@example.com")
    {
        var mail = await client.CommandAsync("MAIL FROM:<alice@contoso.test>");
        if (!mail.StartsWith("250", StringComparison.Ordinal)) return mail;
        var rcpt = await client.CommandAsync($"RCPT TO:<{to}>");
        if (!rcpt.StartsWith("250", StringComparison.Ordinal))
        {
            await client.CommandAsync("RSET");
            return rcpt;
        }
        Assert.StartsWith("354", await client.CommandAsync("DATA"));
        return await client.CommandAsync(Body.TrimEnd('\n').TrimEnd('\r'));
    }

    [Fact]
    public async Task Past_the_accounts_message_limit_MAIL_gets_451_4_7_1_recorded_and_counted()
    {
        await using var relay = await TestRelay.StartAsync("--Accounts:0:Limits:MessagesPerMinute=3");
        await using var client = await GreetedAsync(relay);
        for (var i = 0; i < 3; i++) Assert.StartsWith("250 2.0.0 Ok: queued as", await SendOneAsync(client));
        Assert.Matches(@"^451 4\.7\.1 account lab: limit of 3 messages per minute reached, try again in (1?[0-9]|20) s$", await SendOneAsync(client));
        Assert.StartsWith("221", await client.CommandAsync("QUIT"));

        var refusal = Assert.Single((await relay.RefusalsAsync()).Refusals);
        Assert.Equal(("mail", "rate-limit:messages-per-minute", "lab"), (refusal.Stage, refusal.Reason, refusal.Account));
        Assert.Equal(1, await relay.MetricAsync("smarthostlab_relay_limits_exceeded_total{limit=\"messages-per-minute\",scope=\"account\"}"));
        Assert.Equal(3, (await relay.MessagesAsync()).Total);
    }

    [Fact]
    public async Task Past_the_recipient_limit_RCPT_gets_451_and_the_message_goes_to_the_recipients_accepted()
    {
        await using var relay = await TestRelay.StartAsync("--Accounts:0:Limits:RecipientsPerMinute=2");
        await using var client = await GreetedAsync(relay);
        Assert.StartsWith("250", await client.CommandAsync("MAIL FROM:<alice@contoso.test>"));
        Assert.StartsWith("250", await client.CommandAsync("RCPT TO:<a@example.com>"));
        Assert.StartsWith("250", await client.CommandAsync("RCPT TO:<b@example.com>"));
        Assert.Matches(@"^451 4\.7\.1 account lab: limit of 2 recipients per minute reached, try again in [0-9]+ s$", await client.CommandAsync("RCPT TO:<c@example.com>"));
        Assert.StartsWith("354", await client.CommandAsync("DATA"));
        var queued = await client.CommandAsync(Body.TrimEnd('\n').TrimEnd('\r'));
        Assert.StartsWith("250 2.0.0", queued);
        var stored = Assert.Single((await relay.MessagesAsync()).Messages);
        Assert.Equal(["a@example.com", "b@example.com"], stored.Recipients);
        Assert.Equal("c@example.com", Assert.Single((await relay.RefusalsAsync()).Refusals).Recipient);
    }

    [Fact]
    public async Task A_message_over_the_hourly_bytes_is_refused_at_MAIL_by_its_SIZE_and_at_the_end_of_data_without_it()
    {
        await using var relay = await TestRelay.StartAsync("--Accounts:0:Limits:BytesPerHour=2000");
        await using var client = await GreetedAsync(relay);
        Assert.Equal("552 5.3.4 a message of 5000 octets is larger than account lab's limit of 2000 bytes per hour",
            await client.CommandAsync("MAIL FROM:<alice@contoso.test> SIZE=5000"));
        Assert.StartsWith("250", await client.CommandAsync("MAIL FROM:<alice@contoso.test>"));
        Assert.StartsWith("250", await client.CommandAsync("RCPT TO:<bob@example.com>"));
        Assert.StartsWith("354", await client.CommandAsync("DATA"));
        var big = "Subject: big\r\n\r\n" + string.Concat(Enumerable.Repeat(new string('x', 70) + "\r\n", 20)) + ".";
        Assert.StartsWith("250 2.0.0", await client.CommandAsync(big)); // ~1.5 KB of the 2,000
        Assert.StartsWith("250", await client.CommandAsync("MAIL FROM:<alice@contoso.test>"));
        Assert.StartsWith("250", await client.CommandAsync("RCPT TO:<bob@example.com>"));
        Assert.StartsWith("354", await client.CommandAsync("DATA"));
        Assert.StartsWith("451 4.7.1 account lab: limit of 2000 bytes per hour reached, try again in", await client.CommandAsync(big));
        Assert.Equal(1, (await relay.MessagesAsync()).Total);
    }

    [Fact]
    public async Task Past_the_accounts_open_connections_the_greeting_is_421_and_the_line_is_closed()
    {
        await using var relay = await TestRelay.StartAsync("--Accounts:0:Limits:ConcurrentConnections=1");
        var first = await GreetedAsync(relay);
        await using (var second = await RawSmtpClient.ConnectAsync(relay.Smtp, TestRelay.Registered))
        {
            Assert.Equal("421 4.7.0 account lab: limit of 1 open connections reached, try again later", await second.ReadReplyAsync());
            Assert.Null(await second.ReadLineAsync(TimeSpan.FromSeconds(10)));
        }
        Assert.StartsWith("221", await first.CommandAsync("QUIT"));
        await first.DisposeAsync();
        // The slot is given back when the session ends, however it ends.
        string greeting = "";
        for (var attempt = 0; attempt < 50; attempt++)
        {
            await using var again = await RawSmtpClient.ConnectAsync(relay.Smtp, TestRelay.Registered);
            greeting = await again.ReadReplyAsync();
            if (greeting.StartsWith("220", StringComparison.Ordinal)) break;
            await Task.Delay(100);
        }
        Assert.StartsWith("220 relay.test", greeting);
        Assert.Equal(("connect", "rate-limit:concurrent-connections"), (await relay.RefusalsAsync()).Refusals.Select(r => (r.Stage, r.Reason)).First());
    }

    [Fact]
    public async Task Past_the_connections_per_minute_of_an_IP_the_greeting_is_421_whoever_the_client_is()
    {
        await using var relay = await TestRelay.StartAsync("--RateLimits:ConnectionsPerMinutePerIp=2");
        for (var i = 0; i < 2; i++)
        {
            await using var ok = await RawSmtpClient.ConnectAsync(relay.Smtp, TestRelay.Registered);
            Assert.StartsWith("220", await ok.ReadReplyAsync());
        }
        await using var third = await RawSmtpClient.ConnectAsync(relay.Smtp, TestRelay.Registered);
        Assert.StartsWith("421 4.7.0 too many connections from 127.0.0.2: limit of 2 per minute reached, try again in", await third.ReadReplyAsync());
        Assert.Equal(1, await relay.MetricAsync("smarthostlab_relay_limits_exceeded_total{limit=\"connections-per-minute\",scope=\"ip\"}"));
    }

    [Fact]
    public async Task Greylisting_refuses_a_new_triplet_passes_its_retry_after_the_delay_and_remembers_it_across_a_restart()
    {
        using var folder = new TempFolder();
        string[] settings = ["--Greylisting:Enabled=true", "--Greylisting:Delay=00:00:01"];
        await using (var relay = await TestRelay.StartInAsync(folder.Path, settings))
        {
            await using var client = await GreetedAsync(relay);
            Assert.Equal("451 4.7.1 greylisted: this sender, recipient and client network are new here, please try again in 1 s", await SendOneAsync(client));
            await Task.Delay(TimeSpan.FromSeconds(1.2)); // the retry a sender makes after the delay
            Assert.StartsWith("250 2.0.0 Ok: queued as", await SendOneAsync(client));
            var refusal = Assert.Single((await relay.RefusalsAsync()).Refusals);
            Assert.Equal(("rcpt", "greylisted", "bob@example.com"), (refusal.Stage, refusal.Reason, refusal.Recipient));
            Assert.Equal(1, await relay.MetricAsync("smarthostlab_relay_greylisting_total{outcome=\"passed\"}"));
        }
        await using (var restarted = await TestRelay.StartInAsync(folder.Path, settings))
        {
            await using var client = await GreetedAsync(restarted);
            Assert.StartsWith("250 2.0.0 Ok: queued as", await SendOneAsync(client));
            Assert.StartsWith("451 4.7.1 greylisted", await SendOneAsync(client, "someone.else@example.com"));
        }
    }

    [Fact]
    public async Task An_account_can_opt_out_of_global_greylisting()
    {
        await using var relay = await TestRelay.StartAsync("--Greylisting:Enabled=true", "--Accounts:0:Greylisting=false");
        await using var client = await GreetedAsync(relay);
        Assert.StartsWith("250 2.0.0 Ok: queued as", await SendOneAsync(client));
    }

    [Fact]
    public async Task Relaying_denied_at_RCPT_counts_against_the_bad_command_limit()
    {
        await using var relay = await TestRelay.StartAsync("--Admission:RefuseAt=Rcpt", "--Smtp:MaxBadCommands=5");
        await using var client = await RawSmtpClient.ConnectAsync(relay.Smtp, TestRelay.Unregistered);
        Assert.StartsWith("220", await client.ReadReplyAsync());
        Assert.StartsWith("250", await client.CommandAsync("EHLO spammer.test"));
        Assert.StartsWith("250", await client.CommandAsync("MAIL FROM:<x@spammer.test>"));
        for (var i = 0; i < 5; i++) Assert.StartsWith("550 5.7.1 relaying denied", await client.CommandAsync($"RCPT TO:<r{i}@example.com>"));
        Assert.Equal("421 4.7.0 relay.test too many bad commands, closing connection", await client.CommandAsync("RCPT TO:<r5@example.com>"));
        Assert.Null(await client.ReadLineAsync(TimeSpan.FromSeconds(10)));
    }

    [Theory]
    [InlineData("--Accounts:0:Limits:MessagesPerMinute=-1", "Accounts:0:Limits:MessagesPerMinute: must be between 0 and")]
    [InlineData("--Greylisting:Window=00:01:00", "Greylisting:Window: must be longer than Greylisting:Delay")]
    [InlineData("--RateLimits:ConnectionsPerMinutePerIp=abc", "RateLimits:ConnectionsPerMinutePerIp: 'abc' is not an integer")]
    [InlineData("--RateLimits:ConnectionsPerMinute=5", "RateLimits:ConnectionsPerMinute: unknown key; did you mean RateLimits:ConnectionsPerMinutePerIp?")]
    public async Task A_bad_limit_setting_stops_the_start_naming_the_key(string setting, string expected)
    {
        var error = await Assert.ThrowsAnyAsync<Exception>(() => TestRelay.StartAsync(setting));
        Assert.Contains(expected, error.Message);
    }
}
