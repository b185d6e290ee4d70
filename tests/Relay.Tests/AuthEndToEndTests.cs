using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using SmarthostLab.Relay.Api;
using SmarthostLab.Contracts;
using SmarthostLab.Relay.Tests.Infrastructure;
using SmarthostLab.Tests.Support;

namespace SmarthostLab.Relay.Tests;

/// <summary>
/// SMTP AUTH against the relay over loopback sockets (issue 14): every Admission:Mode with 127.0.0.2 registered
/// and 127.0.0.3 not, the stored message's user and Received protocol, refusals, the failure limit, /api/v1/info.
/// </summary>
public sealed class AuthEndToEndTests
{
    private const string User = "exchange-lab";
    private const string Password = "S3cret! pass";

    /// <summary>Account "lab" (127.0.0.2) gets the credential; account "other" (no IP) one of its own.</summary>
    private static readonly string[] Credentials =
    [
        "--Accounts:0:Credentials:0:User=" + User,
        "--Accounts:0:Credentials:0:Password=plain:" + Password,
        "--Accounts:1:Name=other",
        "--Accounts:1:Domains:0=other.test",
        "--Accounts:1:Credentials:0:User=other-user",
        "--Accounts:1:Credentials:0:Password=plain:0ther",
    ];

    private static Task<TestRelay> StartAsync(string mode, params string[] extra) =>
        TestRelay.StartAsync([.. Credentials, "--Admission:Mode=" + mode, .. extra]);

    private static string Plain(string user, string password) => Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{user}\0{password}"));

    /// <summary>Greeting, EHLO, STARTTLS and EHLO again; returns the second EHLO reply.</summary>
    private static async Task<(RawSmtpClient Client, string Ehlo)> OpenTlsAsync(TestRelay relay, IPAddress from)
    {
        var client = await RawSmtpClient.ConnectAsync(relay.Smtp, from);
        Assert.StartsWith("220 ", await client.ReadReplyAsync());
        Assert.DoesNotContain("AUTH", await client.CommandAsync("EHLO exchange.contoso.test"));
        Assert.StartsWith("220 ", await client.CommandAsync("STARTTLS"));
        await client.StartTlsAsync();
        return (client, await client.CommandAsync("EHLO exchange.contoso.test"));
    }

    /// <summary>MAIL, RCPT, DATA and a small message with <paramref name="token"/> in its Subject; returns the final reply.</summary>
    private static async Task<string> SendAsync(RawSmtpClient client, string token, string mailFrom = "MAIL FROM:<alice@contoso.test>")
    {
        Assert.Equal("250 2.1.0 Sender OK", await client.CommandAsync(mailFrom));
        Assert.Equal("250 2.1.5 Recipient OK", await client.CommandAsync("RCPT TO:<bob@example.com>"));
        Assert.StartsWith("354", await client.CommandAsync("DATA"));
        return await client.CommandAsync($"From: alice@contoso.test\r\nSubject: {token}\r\n\r\nHello.\r\n.");
    }

    private static async Task<MessageResponse> StoredAsync(TestRelay relay, string token) =>
        Assert.Single((await relay.MessagesAsync("?token=" + token)).Messages);

    [Fact]
    public async Task Auth_mode_greets_an_unregistered_client_asks_for_AUTH_and_stores_the_user_with_ESMTPSA()
    {
        await using var relay = await StartAsync("Auth");
        var (client, ehlo) = await OpenTlsAsync(relay, TestRelay.Unregistered);
        await using (client)
        {
            Assert.Contains("250-AUTH PLAIN LOGIN", ehlo);
            Assert.Equal("530 5.7.0 Authentication required", await client.CommandAsync("MAIL FROM:<alice@contoso.test>"));
            Assert.Equal("235 2.7.0 Authentication successful", await client.CommandAsync("AUTH PLAIN " + Plain(User, Password)));
            Assert.StartsWith("250 2.0.0 Ok: queued as ", await SendAsync(client, "auth-mode-token"));
        }

        var stored = await StoredAsync(relay, "auth-mode-token");
        Assert.Equal(("lab", User, "127.0.0.3"), (stored.Account, stored.AuthenticatedUser, stored.ClientIp));
        var raw = await relay.Http.GetStringAsync($"/api/v1/messages/{stored.Id}/raw");
        Assert.Matches(@"\r\n\tby relay\.test \(SmarthostLab\) with ESMTPSA id ", raw);
        var transcript = await relay.Http.GetStringAsync($"/api/v1/messages/{stored.Id}/transcript");
        Assert.Contains("C: AUTH PLAIN <redacted>\r\n", transcript);
        Assert.Contains("S: 235 2.7.0 Authentication successful\r\n", transcript);
        Assert.DoesNotContain(Password, transcript);
        Assert.DoesNotContain(Plain(User, Password), transcript);

        var refusal = Assert.Single((await relay.RefusalsAsync("?ip=127.0.0.3")).Refusals);
        Assert.Equal(("mail", "auth-required", "530 5.7.0 Authentication required"), (refusal.Stage, refusal.Reason, refusal.Reply));
    }

    [Fact]
    public async Task Auth_mode_asks_a_registered_client_too_and_says_STARTTLS_comes_first()
    {
        await using var relay = await StartAsync("Auth");
        await using var client = await RawSmtpClient.ConnectAsync(relay.Smtp, TestRelay.Registered);
        await client.ReadReplyAsync();
        await client.CommandAsync("EHLO exchange.contoso.test");
        Assert.Equal("530 5.7.0 Authentication required; issue STARTTLS, then AUTH", await client.CommandAsync("MAIL FROM:<alice@contoso.test>"));
        Assert.Equal("538 5.7.11 Encryption required for requested authentication mechanism (issue STARTTLS first)",
            await client.CommandAsync("AUTH PLAIN " + Plain(User, Password)));
        var reasons = (await relay.RefusalsAsync("?ip=127.0.0.2")).Refusals.Select(r => r.Reason).Order();
        Assert.Equal(["auth-required", "auth-tls-required"], reasons);
    }

    [Fact]
    public async Task IpOrAuth_lets_a_registered_client_send_without_AUTH_and_an_unregistered_one_with_MailKit_LOGIN()
    {
        await using var relay = await StartAsync("IpOrAuth");
        var reply = await Mail.SendAsync(relay.Smtp, TestRelay.Registered, Mail.Message("iporauth-ip-token"), startTls: true);
        Assert.Contains("Ok: queued as", reply);
        var byIp = await StoredAsync(relay, "iporauth-ip-token");
        Assert.Equal(("lab", null), (byIp.Account, byIp.AuthenticatedUser));
        Assert.Contains(" with ESMTPS id ", await relay.Http.GetStringAsync($"/api/v1/messages/{byIp.Id}/raw"));

        using (var refused = await Mail.ConnectAsync(relay.Smtp, TestRelay.Unregistered, startTls: true))
        {
            // MailKit turns the 530 into ServiceNotAuthenticatedException.
            var denied = await Assert.ThrowsAsync<MailKit.ServiceNotAuthenticatedException>(() => refused.SendAsync(Mail.Message("never")));
            Assert.Equal("5.7.0 Authentication required (127.0.0.3 is not a registered outbound server)", denied.Message);
        }

        using var client = await Mail.ConnectAsync(relay.Smtp, TestRelay.Unregistered, startTls: true);
        client.AuthenticationMechanisms.RemoveWhere(m => m != "LOGIN");
        await client.AuthenticateAsync("other-user", "0ther");
        await client.SendAsync(Mail.Message("iporauth-auth-token", from: "carol@other.test"));
        await client.DisconnectAsync(true);
        var byAuth = await StoredAsync(relay, "iporauth-auth-token");
        Assert.Equal(("other", "other-user", "127.0.0.3"), (byAuth.Account, byAuth.AuthenticatedUser, byAuth.ClientIp));
        Assert.Contains("C: AUTH LOGIN\r\nS: 334 VXNlcm5hbWU6\r\nC: <redacted>\r\nS: 334 UGFzc3dvcmQ6\r\nC: <redacted>\r\n",
            await relay.Http.GetStringAsync($"/api/v1/messages/{byAuth.Id}/transcript"));
    }

    [Fact]
    public async Task IpAndAuth_refuses_an_unregistered_client_and_asks_a_registered_one_for_its_own_accounts_credential()
    {
        await using var relay = await StartAsync("IpAndAuth");
        await using (var unregistered = await RawSmtpClient.ConnectAsync(relay.Smtp, TestRelay.Unregistered))
        {
            Assert.Equal("554 5.7.1 127.0.0.3 is not a registered outbound server of any account", await unregistered.ReadReplyAsync());
        }

        var (client, ehlo) = await OpenTlsAsync(relay, TestRelay.Registered);
        await using (client)
        {
            Assert.Contains("250-AUTH PLAIN LOGIN", ehlo);
            Assert.Equal("530 5.7.0 Authentication required", await client.CommandAsync("MAIL FROM:<alice@contoso.test>"));
            Assert.Equal("535 5.7.8 Authentication credentials invalid", await client.CommandAsync("AUTH PLAIN " + Plain("other-user", "0ther")));
            Assert.Equal("235 2.7.0 Authentication successful", await client.CommandAsync("AUTH PLAIN " + Plain(User, Password)));
            Assert.StartsWith("250 2.0.0 Ok: queued as ", await SendAsync(client, "ipandauth-token"));
        }
        var stored = await StoredAsync(relay, "ipandauth-token");
        Assert.Equal(("lab", User), (stored.Account, stored.AuthenticatedUser));
        var mismatch = Assert.Single((await relay.RefusalsAsync("?ip=127.0.0.2")).Refusals, r => r.Stage == "auth");
        Assert.Equal(("auth-account-mismatch", "535 5.7.8 Authentication credentials invalid"), (mismatch.Reason, mismatch.Reply));
    }

    [Fact]
    public async Task Ip_mode_offers_no_AUTH_even_with_credentials_configured()
    {
        await using var relay = await TestRelay.StartAsync(Credentials);
        var (client, ehlo) = await OpenTlsAsync(relay, TestRelay.Registered);
        await using (client)
        {
            Assert.DoesNotContain("AUTH", ehlo);
            Assert.Equal("502 5.5.1 AUTH not available", await client.CommandAsync("AUTH PLAIN " + Plain(User, Password)));
            Assert.StartsWith("250 2.0.0 Ok: queued as ", await SendAsync(client, "ip-mode-token"));
        }
        var info = (await relay.Http.GetFromJsonAsync("/api/v1/info", RelayJson.Context.InfoResponse))!;
        Assert.Equal((false, 0), (info.AuthRequired, info.AuthMechanisms!.Count));
    }

    [Fact]
    public async Task In_Auth_mode_unregistered_clients_are_greeted_and_counted_in_the_connection_pool_not_the_refused_budget()
    {
        await using var relay = await StartAsync("Auth", "--Smtp:MaxConnections=2", "--Smtp:MaxRefusedConnections=1");
        await using var first = await RawSmtpClient.ConnectAsync(relay.Smtp, TestRelay.Unregistered);
        Assert.StartsWith("220 ", await first.ReadReplyAsync());
        await using var second = await RawSmtpClient.ConnectAsync(relay.Smtp, TestRelay.Unregistered);
        Assert.StartsWith("220 ", await second.ReadReplyAsync());
        // They are sessions like any other (they may AUTH): the third connection finds the pool full.
        await using var third = await RawSmtpClient.ConnectAsync(relay.Smtp, TestRelay.Unregistered);
        Assert.StartsWith("421 4.7.0 relay.test too many connections", await third.ReadReplyAsync());
    }

    [Fact]
    public async Task A_wrong_password_gets_535_and_is_listed_as_a_refusal()
    {
        await using var relay = await StartAsync("Auth");
        var (client, _) = await OpenTlsAsync(relay, TestRelay.Unregistered);
        await using (client)
        {
            Assert.Equal("535 5.7.8 Authentication credentials invalid", await client.CommandAsync("AUTH PLAIN " + Plain(User, "wrong")));
            Assert.Equal("535 5.7.8 Authentication credentials invalid", await client.CommandAsync("AUTH PLAIN " + Plain("nobody", Password)));
            Assert.Equal("501 5.0.0 Authentication cancelled", await client.CommandAsync("AUTH LOGIN") is var prompt && prompt == "334 VXNlcm5hbWU6"
                ? await client.CommandAsync("*") : prompt);
        }
        var refusals = (await relay.RefusalsAsync("?ip=127.0.0.3")).Refusals;
        Assert.Equal(2, refusals.Count(r => r is { Stage: "auth", Reason: "auth-failed", Reply: "535 5.7.8 Authentication credentials invalid" }));
        Assert.Single(refusals, r => r is { Stage: "auth", Reason: "auth-cancelled", Reply: "501 5.0.0 Authentication cancelled" });
        Assert.All(refusals, r => Assert.DoesNotContain("wrong", r.Reply));
    }

    [Fact]
    public async Task Failed_attempts_are_limited_per_client_IP_and_the_allowance_comes_back_with_time()
    {
        var clock = new ShiftedTimeProvider();
        await using var relay = await TestRelay.StartConfiguredAsync(b => b.Services.AddSingleton<TimeProvider>(clock),
            [.. Credentials, "--Admission:Mode=Auth", "--Admission:MaxAuthFailures=3", "--Admission:AuthFailureWindow=00:01:00"]);
        var (client, _) = await OpenTlsAsync(relay, TestRelay.Unregistered);
        await using (client)
        {
            for (var i = 0; i < 3; i++)
                Assert.Equal("535 5.7.8 Authentication credentials invalid", await client.CommandAsync("AUTH PLAIN " + Plain(User, "guess" + i)));
            Assert.Equal("421 4.7.0 relay.test too many failed AUTH attempts from 127.0.0.3, try again later",
                await client.CommandAsync("AUTH PLAIN " + Plain(User, Password)));
            Assert.Null(await client.ReadLineAsync(TimeSpan.FromSeconds(10)));
        }

        // Locked out on a new connection too, even with the right password; another address is not.
        var (again, _) = await OpenTlsAsync(relay, TestRelay.Unregistered);
        await using (again)
        {
            Assert.StartsWith("421 4.7.0 ", await again.CommandAsync("AUTH PLAIN " + Plain(User, Password)));
        }
        var (elsewhere, _) = await OpenTlsAsync(relay, IPAddress.Parse("127.0.0.4"));
        await using (elsewhere)
        {
            Assert.Equal("235 2.7.0 Authentication successful", await elsewhere.CommandAsync("AUTH PLAIN " + Plain(User, Password)));
        }

        // Three per minute: one attempt comes back every 20 seconds.
        clock.Advance(TimeSpan.FromSeconds(21));
        var (later, _) = await OpenTlsAsync(relay, TestRelay.Unregistered);
        await using (later)
        {
            Assert.Equal("235 2.7.0 Authentication successful", await later.CommandAsync("AUTH PLAIN " + Plain(User, Password)));
        }

        var reasons = (await relay.RefusalsAsync("?ip=127.0.0.3")).Refusals.Where(r => r.Stage == "auth").Select(r => r.Reason).ToList();
        Assert.Equal(3, reasons.Count(r => r == "auth-failed"));
        Assert.Equal(2, reasons.Count(r => r == "auth-rate"));
    }

    [Fact]
    public async Task The_AUTH_parameter_of_MAIL_FROM_is_kept_with_the_message()
    {
        await using var relay = await StartAsync("Auth");
        var (client, _) = await OpenTlsAsync(relay, TestRelay.Unregistered);
        await using (client)
        {
            Assert.Equal("235 2.7.0 Authentication successful", await client.CommandAsync("AUTH PLAIN " + Plain(User, Password)));
            Assert.StartsWith("250 ", await SendAsync(client, "auth-param-token", "MAIL FROM:<alice@contoso.test> AUTH=<>"));
        }
        Assert.Equal("AUTH=<>", (await StoredAsync(relay, "auth-param-token")).MailFromParameters);
    }

    [Fact]
    public async Task Without_TLS_where_allowed_AUTH_is_offered_in_plain_text_and_the_header_says_ESMTPA()
    {
        await using var relay = await StartAsync("Auth", "--Smtp:AllowAuthWithoutTls=true");
        await using var client = await RawSmtpClient.ConnectAsync(relay.Smtp, TestRelay.Unregistered);
        await client.ReadReplyAsync();
        Assert.Contains("250-AUTH PLAIN LOGIN", await client.CommandAsync("EHLO exchange.contoso.test"));
        Assert.Equal("334 VXNlcm5hbWU6", await client.CommandAsync("AUTH LOGIN"));
        Assert.Equal("334 UGFzc3dvcmQ6", await client.CommandAsync(Convert.ToBase64String(Encoding.UTF8.GetBytes(User))));
        Assert.Equal("235 2.7.0 Authentication successful", await client.CommandAsync(Convert.ToBase64String(Encoding.UTF8.GetBytes(Password))));
        Assert.StartsWith("250 ", await SendAsync(client, "esmtpa-token"));
        var stored = await StoredAsync(relay, "esmtpa-token");
        Assert.Contains(" with ESMTPA id ", await relay.Http.GetStringAsync($"/api/v1/messages/{stored.Id}/raw"));
        var info = (await relay.Http.GetFromJsonAsync("/api/v1/info", RelayJson.Context.InfoResponse))!;
        Assert.False(info.AuthRequiresTls);
    }

    [Theory]
    [InlineData("Auth", true)]
    [InlineData("IpAndAuth", true)]
    [InlineData("IpOrAuth", false)]
    public async Task Info_reports_whether_AUTH_is_required_and_what_is_offered(string mode, bool required)
    {
        await using var relay = await StartAsync(mode);
        var json = await relay.Http.GetStringAsync("/api/v1/info");
        Assert.Contains($"\"authRequired\":{(required ? "true" : "false")}", json);
        Assert.Contains("\"authMechanisms\":[\"PLAIN\",\"LOGIN\"]", json);
        Assert.Contains("\"authRequiresTls\":true", json);
    }

    /// <summary>The system clock moved forward by hand: timers stay real, the failure limiter sees the shift.</summary>
    private sealed class ShiftedTimeProvider : TimeProvider
    {
        private long _shiftTicks;

        public void Advance(TimeSpan by) => Interlocked.Add(ref _shiftTicks, by.Ticks);

        public override DateTimeOffset GetUtcNow() => System.GetUtcNow() + TimeSpan.FromTicks(Interlocked.Read(ref _shiftTicks));

        public override long GetTimestamp() =>
            System.GetTimestamp() + (long)(Interlocked.Read(ref _shiftTicks) * (double)System.TimestampFrequency / TimeSpan.TicksPerSecond);

        public override long TimestampFrequency => System.TimestampFrequency;
    }
}
