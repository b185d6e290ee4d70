using System.Net;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using SmarthostLab.Relay.Admission;
using SmarthostLab.Relay.Configuration;
using SmarthostLab.Relay.Diagnostics;
using SmarthostLab.Relay.Limits;
using SmarthostLab.Relay.Tests.Infrastructure;
using SmarthostLab.Smtp;

namespace SmarthostLab.Relay.Tests.Limits;

/// <summary>Each limit of issue 14 with a fake clock: the reply shape (421 4.7.0 / 451 4.7.1 / 552 5.3.4), the text naming it, refill.</summary>
public sealed class RateLimitsTests : IDisposable
{
    private static readonly IPAddress Client = IPAddress.Parse("127.0.0.2");
    private readonly FakeTimeProvider _clock = new(DateTimeOffset.Parse("2026-12-06T12:00:00Z"));
    private readonly TestMeterFactory _meters = new();

    private RateLimits Limits(int perIpPerMinute = 0) => new(
        Options.Create(new RateLimitsOptions { ConnectionsPerMinutePerIp = perIpPerMinute }), Options.Create(new SmtpOptions()), _clock, new RelayMetrics(_meters));

    private static Account Account(AccountLimitOptions limits) =>
        new("lab", [], ["contoso.test"], new AccountOptions { Name = "lab", Limits = limits });

    [Fact]
    public void Messages_per_minute_answer_451_4_7_1_naming_the_limit_and_refill_with_time()
    {
        using var limits = Limits();
        var account = Account(new AccountLimitOptions { MessagesPerMinute = 2 });
        Assert.Null(limits.OnMail(account, null));
        Assert.Null(limits.OnMail(account, null));
        var denied = limits.OnMail(account, null);
        Assert.NotNull(denied);
        Assert.Equal("451 4.7.1 account lab: limit of 2 messages per minute reached, try again in 30 s", denied.Reply.ToString());
        Assert.Equal("rate-limit:messages-per-minute", denied.Reason);
        _clock.Advance(TimeSpan.FromSeconds(30));
        Assert.Null(limits.OnMail(account, null));
        Assert.NotNull(limits.OnMail(account, null));
    }

    [Fact]
    public void Recipients_per_minute_count_each_recipient()
    {
        using var limits = Limits();
        var account = Account(new AccountLimitOptions { RecipientsPerMinute = 3 });
        for (var i = 0; i < 3; i++) Assert.Null(limits.OnRecipient(account));
        var denied = limits.OnRecipient(account);
        Assert.Equal("451 4.7.1 account lab: limit of 3 recipients per minute reached, try again in 20 s", denied!.Reply.ToString());
        Assert.Null(limits.OnMail(account, null)); // no message limit set
    }

    [Fact]
    public void Bytes_per_hour_check_the_declared_size_at_MAIL_and_take_the_real_size_at_the_end_of_data()
    {
        using var limits = Limits();
        var account = Account(new AccountLimitOptions { BytesPerHour = 3600 });
        Assert.Null(limits.OnMail(account, 3000)); // there, not taken
        Assert.Null(limits.OnMessage(account, 3000));
        var atMail = limits.OnMail(account, 1000);
        Assert.Equal("451 4.7.1 account lab: limit of 3600 bytes per hour reached, try again in 400 s", atMail!.Reply.ToString());
        Assert.Null(limits.OnMail(account, null)); // no SIZE: decided at the end of data
        Assert.Equal(451, limits.OnMessage(account, 1000)!.Reply.Code);
        var tooBig = limits.OnMail(account, 5000);
        Assert.Equal("552 5.3.4 a message of 5000 octets is larger than account lab's limit of 3600 bytes per hour", tooBig!.Reply.ToString());
        _clock.Advance(TimeSpan.FromMinutes(10)); // 600 more octets
        Assert.Null(limits.OnMessage(account, 1000));
    }

    [Fact]
    public void Concurrent_connections_answer_421_until_one_closes()
    {
        using var limits = Limits();
        var account = Account(new AccountLimitOptions { ConcurrentConnections = 2 });
        Assert.Null(limits.OnConnect(Client, account, out var first));
        Assert.Null(limits.OnConnect(Client, account, out var second));
        var denied = limits.OnConnect(Client, account, out var none);
        Assert.Null(none);
        Assert.Equal("421 4.7.0 account lab: limit of 2 open connections reached, try again later", denied!.Reply.ToString());
        first!.Dispose();
        Assert.Null(limits.OnConnect(Client, account, out var third));
        second!.Dispose();
        third!.Dispose();
    }

    [Fact]
    public void Connections_per_minute_per_account_and_per_IP()
    {
        using var limits = Limits(perIpPerMinute: 3);
        var account = Account(new AccountLimitOptions { ConnectionsPerMinute = 2 });
        Assert.Null(limits.OnConnect(Client, account, out _));
        Assert.Null(limits.OnConnect(Client, account, out _));
        Assert.Equal("421 4.7.0 account lab: limit of 2 connections per minute reached, try again in 30 s",
            limits.OnConnect(Client, account, out _)!.Reply.ToString());
        // The IP's bucket gave its three tokens to the three attempts above (the third was then refused for the account).
        var denied = limits.OnConnect(Client, null, out _)!;
        Assert.Equal("421 4.7.0 too many connections from 127.0.0.2: limit of 3 per minute reached, try again in 20 s", denied.Reply.ToString());
        Assert.Equal(("connections-per-minute", "ip"), (denied.Limit, denied.Scope));
        Assert.Null(limits.OnConnect(IPAddress.Parse("127.0.0.3"), null, out _)); // another address has its own bucket
        _clock.Advance(TimeSpan.FromSeconds(20));
        Assert.Null(limits.OnConnect(Client, null, out _));
    }

    [Fact]
    public void IPv6_clients_of_one_64_share_a_bucket()
    {
        using var limits = Limits(perIpPerMinute: 1);
        Assert.Null(limits.OnConnect(IPAddress.Parse("2001:db8:1:2::10"), null, out _));
        Assert.NotNull(limits.OnConnect(IPAddress.Parse("2001:db8:1:2::99"), null, out _));
        Assert.Null(limits.OnConnect(IPAddress.Parse("2001:db8:1:3::10"), null, out _));
    }

    [Fact]
    public void An_account_without_limits_is_never_refused()
    {
        using var limits = Limits();
        var account = Account(new AccountLimitOptions());
        for (var i = 0; i < 1000; i++)
        {
            Assert.Null(limits.OnConnect(Client, account, out var lease));
            Assert.Null(lease);
            Assert.Null(limits.OnMail(account, 1_000_000));
            Assert.Null(limits.OnRecipient(account));
            Assert.Null(limits.OnMessage(account, 1_000_000));
        }
    }

    public void Dispose() => _meters.Dispose();
}
