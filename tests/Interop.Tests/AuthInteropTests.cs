using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Xunit.Abstractions;

namespace SmarthostLab.Interop.Tests;

/// <summary>
/// SMTP AUTH with real clients (issue 14): swaks --auth, and Postfix as the Exchange stand-in with
/// smtp_sasl_auth_enable, authenticating with PLAIN over required STARTTLS, as Exchange's "Basic authentication over
/// TLS" smart-host setting does. The relay runs with Admission:Mode=Auth and each client sends from 127.0.0.3, an
/// address no account registers: only the credential admits it.
/// </summary>
public sealed partial class AuthInteropTests(ITestOutputHelper output)
{
    private const string User = "exchange-lab";
    private const string Password = "Lab-S3cret";
    private static readonly TimeSpan Limit = TimeSpan.FromSeconds(60);

    private static Task<InteropRelay> StartRelayAsync() => InteropRelay.StartAsync(
        "--Admission:Mode=Auth",
        "--Accounts:0:Credentials:0:User=" + User,
        "--Accounts:0:Credentials:0:Password=plain:" + Password);

    [SwaksFact]
    [Trait("Tool", "swaks")]
    public async Task Swaks_authenticates_with_PLAIN_and_LOGIN_over_STARTTLS_and_the_user_is_stored()
    {
        await using var relay = await StartRelayAsync();
        foreach (var mechanism in new[] { "PLAIN", "LOGIN" })
        {
            var token = $"swaks-{mechanism}-{Guid.NewGuid():N}";
            var (exit, dialog) = await SwaksAsync(relay, mechanism, Password, token);
            output.WriteLine(dialog);
            Assert.True(exit == 0, $"swaks exited {exit}:\n{dialog}");
            Assert.Contains("<~  235 2.7.0 Authentication successful", dialog);

            var message = await relay.WaitAsync(token, 30) ?? throw new Xunit.Sdk.XunitException("the relay stored nothing:\n" + dialog);
            Assert.Equal(User, message.GetProperty("authenticatedUser").GetString());
            Assert.Equal("127.0.0.3", message.GetProperty("clientIp").GetString());
            Assert.Equal("contoso", message.GetProperty("account").GetString());
            var id = message.GetProperty("id").GetString();
            Assert.Contains(" with ESMTPSA id ", await relay.GetTextAsync($"/api/v1/messages/{id}/raw"));
            var transcript = await relay.GetTextAsync($"/api/v1/messages/{id}/transcript");
            Assert.Contains($"C: AUTH {mechanism}", transcript);
            Assert.DoesNotContain(Password, transcript);
        }
    }

    [SwaksFact]
    [Trait("Tool", "swaks")]
    public async Task Swaks_with_a_wrong_password_gets_535_and_the_relay_lists_the_refusal()
    {
        await using var relay = await StartRelayAsync();
        var (exit, dialog) = await SwaksAsync(relay, "PLAIN", "wrong-password", "swaks-wrong");
        output.WriteLine(dialog);
        Assert.Equal(28, exit); // swaks: error in AUTH transaction
        Assert.Contains("<~* 535 5.7.8 Authentication credentials invalid", dialog); // ~: inside TLS, *: an error

        var refusal = (await relay.GetJsonAsync("/api/v1/refusals?ip=127.0.0.3")).GetProperty("refusals")[0];
        Assert.Equal(("auth", "auth-failed", "535 5.7.8 Authentication credentials invalid"),
            (refusal.GetProperty("stage").GetString(), refusal.GetProperty("reason").GetString(), refusal.GetProperty("reply").GetString()));
    }

    [PostfixToolsFact(needsRoot: true)]
    public async Task Postfix_with_smtp_sasl_auth_enable_authenticates_with_PLAIN_over_STARTTLS_and_the_message_records_the_user()
    {
        await using var relay = await StartRelayAsync();
        await using var postfix = await StartSenderAsync(relay, Password);

        var token = "pfx-auth-" + Guid.NewGuid().ToString("N");
        await PostfixRelayTests.SubmitAsync(postfix.Port, token, "Sent by Postfix with SMTP AUTH.\r\n");

        var message = await relay.WaitAsync(token, (int)Limit.TotalSeconds)
            ?? throw new Xunit.Sdk.XunitException("the relay stored nothing; Postfix's log:\n" + postfix.LogTail());
        Assert.Equal(User, message.GetProperty("authenticatedUser").GetString());
        Assert.Equal(("127.0.0.3", "contoso"), (message.GetProperty("clientIp").GetString(), message.GetProperty("account").GetString()));
        Assert.Equal(JsonValueKind.Object, message.GetProperty("tls").ValueKind);
        var id = message.GetProperty("id").GetString();
        var raw = await relay.GetTextAsync($"/api/v1/messages/{id}/raw");
        Assert.Matches(@"\r\nReceived: from exchange\.contoso\.test \([^)]*\[127\.0\.0\.3\]\)\r\n\tby smarthost\.test \(SmarthostLab\) with ESMTPSA id ", raw);
        var transcript = await relay.GetTextAsync($"/api/v1/messages/{id}/transcript");
        Assert.Contains("C: STARTTLS", transcript);
        Assert.Contains("C: AUTH PLAIN <redacted>", transcript);
        Assert.DoesNotContain(Password, transcript);
        output.WriteLine(transcript);

        // Postfix's log names the relay's 250 after SASL login.
        var sent = await postfix.WaitForLogLineAsync(SentLine(), Limit);
        output.WriteLine(sent);
    }

    [PostfixToolsFact(needsRoot: true)]
    public async Task Postfix_with_a_wrong_password_gets_535_keeps_the_mail_queued_and_the_relay_records_the_refusal()
    {
        await using var relay = await StartRelayAsync();
        await using var postfix = await StartSenderAsync(relay, "not-the-password");

        var token = "pfx-auth-wrong-" + Guid.NewGuid().ToString("N");
        await PostfixRelayTests.SubmitAsync(postfix.Port, token, "Never stored.\r\n");

        var line = await postfix.WaitForLogLineAsync(SaslFailedLine(), Limit);
        output.WriteLine(line);
        var queue = await postfix.QueueAsync();
        output.WriteLine(queue);
        Assert.Contains("535 5.7.8 Authentication credentials invalid", queue);
        Assert.Contains("bob@example.com", queue);

        var refusals = (await relay.GetJsonAsync("/api/v1/refusals?ip=127.0.0.3")).GetProperty("refusals");
        Assert.Contains(refusals.EnumerateArray(), r => r.GetProperty("stage").GetString() == "auth" && r.GetProperty("reason").GetString() == "auth-failed"
            && r.GetProperty("helo").GetString() == "exchange.contoso.test");
        Assert.Equal(0, (await relay.GetJsonAsync($"/api/v1/messages?token={token}")).GetProperty("total").GetInt32());
    }

    /// <summary>swaks from 127.0.0.3 with STARTTLS and AUTH <paramref name="mechanism"/> as <see cref="User"/>.</summary>
    private static Task<(int ExitCode, string Output)> SwaksAsync(InteropRelay relay, string mechanism, string password, string token) =>
        SwaksTools.RunAsync(
            "--server", "127.0.0.1", "--port", relay.Relay.SmtpEndPoint.Port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--local-interface", "127.0.0.3", "--ehlo", "exchange.contoso.test", "--tls",
            "--auth", mechanism, "--auth-user", User, "--auth-password", password,
            "--from", "alice@contoso.test", "--to", "bob@example.com",
            "--header", "Subject: swaks " + token, "--body", "Sent by swaks with --auth.",
            "--timeout", "30");

    /// <summary>
    /// A private Postfix instance as the customer's MTA (Exchange's stand-in): every message to the relay as relayhost,
    /// from 127.0.0.3, STARTTLS required, SASL PLAIN with <see cref="User"/> and <paramref name="password"/>.
    /// </summary>
    private static Task<PrivatePostfixInstance> StartSenderAsync(InteropRelay relay, string password)
    {
        var nextHop = $"[127.0.0.1]:{relay.Relay.SmtpEndPoint.Port}";
        return PrivatePostfixInstance.StartAsync("sender.test", new Dictionary<string, string>
        {
            ["myhostname"] = "exchange.contoso.test",
            ["relayhost"] = nextHop,
            ["smtp_bind_address"] = "127.0.0.3",
            ["smtp_tls_security_level"] = "encrypt",
            ["smtp_tls_loglevel"] = "1",
            ["smtp_sasl_auth_enable"] = "yes",
            ["smtp_sasl_password_maps"] = $"inline:{{ {nextHop}={User}:{password} }}",
            ["smtp_sasl_security_options"] = "noanonymous",
            ["smtp_sasl_tls_security_options"] = "noanonymous",
            ["smtp_sasl_mechanism_filter"] = "plain",
        }, "postmaster");
    }

    [GeneratedRegex(@"to=<bob@example\.com>, relay=127\.0\.0\.1\[127\.0\.0\.1\]:\d+, .*status=sent \(250 2\.0\.0 Ok: queued as ")]
    private static partial Regex SentLine();

    [GeneratedRegex(@"SASL authentication failed; server 127\.0\.0\.1\[127\.0\.0\.1\] said: 535 5\.7\.8 Authentication credentials invalid")]
    private static partial Regex SaslFailedLine();
}
