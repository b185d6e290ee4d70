using System.Net;
using SmarthostLab.Smtp.Tests.Support;
using SmarthostLab.Tests.Support;

namespace SmarthostLab.Smtp.Tests;

/// <summary>
/// Slowloris in DATA and BDAT (docs/RELIABILITY.md, findings 3 and 4): a client that sends a byte now and then, never
/// waiting as long as Smtp:DataTimeout between them, is cut off once its data falls behind Smtp:MinDataRate; a client at
/// a normal pace is not. Real sockets and clock; the trickle is bounded in count and time.
/// </summary>
public sealed class MinDataRateTests
{
    private static void Settings(SmtpOptions o)
    {
        o.DataTimeout = TimeSpan.FromSeconds(2);
        o.MinDataRate = 1000;
    }

    private static async Task<RawSmtpClient> InDataAsync(SmtpTestHost host, string command)
    {
        var client = await RawSmtpClient.ConnectAsync(new IPEndPoint(IPAddress.Loopback, host.Port));
        Assert.StartsWith("220", await client.ReadReplyAsync());
        Assert.StartsWith("250", await client.CommandAsync("EHLO slow.test"));
        Assert.StartsWith("250", await client.CommandAsync("MAIL FROM:<a@contoso.test>"));
        Assert.StartsWith("250", await client.CommandAsync("RCPT TO:<b@example.com>"));
        if (command == "DATA") Assert.StartsWith("354", await client.CommandAsync("DATA"));
        else await client.SendAsync(command + "\r\n");
        return client;
    }

    /// <summary>One byte every 200 ms (never a 2 s gap) until the server answers, for 15 s at most.</summary>
    private static async Task<string?> TrickleAsync(RawSmtpClient client)
    {
        var reply = Task.Run(() => client.ReadReplyAsync(TimeSpan.FromSeconds(20)));
        for (var i = 0; i < 75 && !reply.IsCompleted; i++)
        {
            try
            {
                await client.SendAsync("x"u8.ToArray());
            }
            catch (IOException)
            {
                break; // the server closed the line
            }
            await Task.Delay(200);
        }
        return reply.IsCompleted ? await reply : null;
    }

    [Theory]
    [InlineData("DATA")]
    [InlineData("BDAT 100000 LAST")]
    public async Task A_client_trickling_message_data_is_cut_off_with_421_once_it_falls_behind_the_minimum_rate(string command)
    {
        await using var host = await SmtpTestHost.StartAsync(Settings);
        await using var client = await InDataAsync(host, command);
        var reply = await TrickleAsync(client);
        Assert.NotNull(reply);
        Assert.StartsWith("421 4.4.2", reply);
        Assert.Empty(host.Handler.Messages);
        Assert.Contains(host.Handler.Refusals, r => r.Reason == "timeout");
    }

    [Fact]
    public async Task A_client_sending_at_a_normal_pace_is_not_cut_off()
    {
        await using var host = await SmtpTestHost.StartAsync(Settings);
        await using var client = await InDataAsync(host, "DATA");
        var line = new string('y', 998) + "\r\n";
        await client.SendAsync("Subject: paced\r\n\r\n");
        for (var i = 0; i < 30; i++)
        {
            await client.SendAsync(line); // 30 KB in about 3 s: ten times the minimum rate, longer than DataTimeout
            await Task.Delay(100);
        }
        Assert.StartsWith("250", await client.CommandAsync("."));
        Assert.Single(host.Handler.Messages);
    }
}
