using System.Text;
using SmarthostLab.Relay.Tests.Infrastructure;
using SmarthostLab.Tests.Support;

namespace SmarthostLab.Relay.Tests;

public sealed class LimitsEndToEndTests
{
    [Fact]
    public async Task Message_over_MaxMessageSize_gets_552_5_3_4_and_is_recorded()
    {
        await using var relay = await TestRelay.StartAsync("--Smtp:MaxMessageSize=2048");
        await using var client = await relay.OpenDataAsync();
        var body = new StringBuilder("Subject: big\r\n\r\n");
        while (body.Length < 5000) body.Append("0123456789012345678901234567890123456789012345678901234567890123456789\r\n");
        await client.SendAsync(body + ".\r\n");

        Assert.StartsWith("552 5.3.4", await client.ReadReplyAsync());
        Assert.Equal(0, (await relay.MessagesAsync()).Total);
        Assert.Contains((await relay.RefusalsAsync()).Refusals, r => r.Reply.StartsWith("552 5.3.4", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Recipient_past_MaxRecipients_gets_452_4_5_3()
    {
        await using var relay = await TestRelay.StartAsync("--Smtp:MaxRecipients=2");
        await using var client = await RawSmtpClient.ConnectAsync(relay.Smtp, TestRelay.Registered);
        await client.ReadReplyAsync();
        await client.CommandAsync("EHLO exchange.contoso.test");
        await client.CommandAsync("MAIL FROM:<alice@contoso.test>");
        Assert.StartsWith("250", await client.CommandAsync("RCPT TO:<a@example.com>"));
        Assert.StartsWith("250", await client.CommandAsync("RCPT TO:<b@example.com>"));
        Assert.StartsWith("452 4.5.3", await client.CommandAsync("RCPT TO:<c@example.com>"));
        Assert.Contains((await relay.RefusalsAsync()).Refusals, r => r.Reply.StartsWith("452 4.5.3", StringComparison.Ordinal) && r.Stage == "rcpt");
    }
}
