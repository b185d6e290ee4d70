using System.Text;
using SmarthostLab.Smtp.Protocol;
using SmarthostLab.Smtp.Tests.Support;

namespace SmarthostLab.Smtp.Tests;

/// <summary>SMTP AUTH (RFC 4954) over in-memory pipes: every reply of the exchange, the state rules and the transcript.</summary>
public sealed class AuthSessionTests
{
    private static string B64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    private static readonly string AlicePlain = B64("\0alice\0s3cret!");

    /// <summary>A session past EHLO with AUTH offered and allowed without TLS (the pipes have none).</summary>
    private static async Task<PipeHarness> StartAsync(Action<SmtpOptions>? configure = null, RecordingHandler? handler = null)
    {
        var options = PipeHarness.DefaultOptions();
        options.AllowAuthWithoutTls = true;
        configure?.Invoke(options);
        handler ??= new RecordingHandler();
        handler.OffersAuth = true;
        return await PipeHarness.StartWithEhloAsync(options, handler);
    }

    private static async Task<string> CommandAsync(PipeHarness h, string line)
    {
        await h.SendAsync(line + "\r\n");
        return await h.ReadReplyAsync();
    }

    [Fact]
    public async Task Ehlo_lists_AUTH_PLAIN_LOGIN_when_offered_and_allowed_without_TLS()
    {
        await using var h = await StartAsync();
        var ehlo = await CommandAsync(h, "EHLO again.test");
        Assert.Contains("\n250-AUTH PLAIN LOGIN\n", ehlo);
    }

    [Fact]
    public async Task Without_TLS_AUTH_is_not_advertised_and_is_answered_538()
    {
        var handler = new RecordingHandler { OffersAuth = true };
        await using var h = await PipeHarness.StartWithEhloAsync(handler: handler);
        Assert.DoesNotContain("AUTH", await CommandAsync(h, "EHLO again.test"));
        Assert.Equal("538 5.7.11 Encryption required for requested authentication mechanism (issue STARTTLS first)", await CommandAsync(h, "AUTH PLAIN " + AlicePlain));
        Assert.Empty(handler.Authentications);
        Assert.Contains(handler.Refusals, r => r is { Stage: "auth", Reason: "auth-tls-required" });
        Assert.Null(h.Context.AuthenticatedUser);
    }

    [Fact]
    public async Task A_handler_that_offers_no_AUTH_answers_502_and_lists_none()
    {
        await using var h = await PipeHarness.StartWithEhloAsync(new SmtpOptions { HostName = "relay.test", AllowAuthWithoutTls = true });
        Assert.DoesNotContain("AUTH", await CommandAsync(h, "EHLO again.test"));
        Assert.Equal("502 5.5.1 AUTH not available", await CommandAsync(h, "AUTH PLAIN " + AlicePlain));
        Assert.Equal("555 5.5.4 MAIL FROM/RCPT TO parameters not recognized or not implemented", await CommandAsync(h, "MAIL FROM:<a@b.test> AUTH=<>"));
    }

    [Fact]
    public async Task PLAIN_with_an_initial_response_authenticates_and_the_transcript_keeps_no_secret()
    {
        await using var h = await StartAsync();
        Assert.Equal("235 2.7.0 Authentication successful", await CommandAsync(h, "AUTH PLAIN " + AlicePlain));
        Assert.Equal("alice", h.Context.AuthenticatedUser);
        Assert.Equal(("PLAIN", "", "alice", "s3cret!"), Assert.Single(h.Handler.Authentications));
        var transcript = h.Context.Transcript.ToString();
        Assert.Contains("C: AUTH PLAIN <redacted>\r\n", transcript);
        Assert.Contains("S: 235 2.7.0 Authentication successful\r\n", transcript);
        Assert.DoesNotContain("s3cret", transcript);
        Assert.DoesNotContain(AlicePlain, transcript);
    }

    [Fact]
    public async Task PLAIN_without_an_initial_response_gets_an_empty_334_challenge()
    {
        await using var h = await StartAsync();
        await h.SendAsync("AUTH plain\r\n");
        Assert.Equal("334 ", await h.ReadLineAsync());
        Assert.Equal("235 2.7.0 Authentication successful", await CommandAsync(h, B64("alice\0alice\0s3cret!")));
        Assert.Equal(("PLAIN", "alice", "alice", "s3cret!"), Assert.Single(h.Handler.Authentications));
        var transcript = h.Context.Transcript.ToString();
        Assert.Contains("C: AUTH PLAIN\r\nS: 334 \r\nC: <redacted>\r\n*  authenticated as alice (PLAIN)\r\nS: 235 2.7.0", transcript);
    }

    [Fact]
    public async Task An_empty_PLAIN_initial_response_is_malformed()
    {
        await using var h = await StartAsync();
        Assert.Equal("501 5.5.2 Malformed credentials (PLAIN: [authzid] NUL user NUL password, UTF-8)", await CommandAsync(h, "AUTH PLAIN ="));
        Assert.Empty(h.Handler.Authentications);
        Assert.Equal("235 2.7.0 Authentication successful", await CommandAsync(h, "AUTH PLAIN " + AlicePlain));
    }

    [Fact]
    public async Task LOGIN_asks_for_the_user_name_then_the_password()
    {
        await using var h = await StartAsync();
        Assert.Equal("334 VXNlcm5hbWU6", await CommandAsync(h, "AUTH LOGIN"));
        Assert.Equal("334 UGFzc3dvcmQ6", await CommandAsync(h, B64("alice")));
        Assert.Equal("235 2.7.0 Authentication successful", await CommandAsync(h, B64("s3cret!")));
        Assert.Equal(("LOGIN", "", "alice", "s3cret!"), Assert.Single(h.Handler.Authentications));
        var transcript = h.Context.Transcript.ToString();
        Assert.Contains("C: AUTH LOGIN\r\nS: 334 VXNlcm5hbWU6\r\nC: <redacted>\r\nS: 334 UGFzc3dvcmQ6\r\nC: <redacted>\r\n", transcript);
        Assert.DoesNotContain(B64("s3cret!"), transcript);
    }

    [Fact]
    public async Task LOGIN_with_an_initial_response_takes_it_as_the_user_name()
    {
        await using var h = await StartAsync();
        Assert.Equal("334 UGFzc3dvcmQ6", await CommandAsync(h, "AUTH LOGIN " + B64("alice")));
        Assert.Equal("235 2.7.0 Authentication successful", await CommandAsync(h, B64("s3cret!")));
    }

    [Theory]
    [InlineData("AUTH PLAIN")]
    [InlineData("AUTH LOGIN")]
    [InlineData("AUTH LOGIN YWxpY2U=")]
    public async Task A_star_cancels_the_exchange_with_501_and_the_session_goes_on(string command)
    {
        await using var h = await StartAsync();
        Assert.StartsWith("334 ", await CommandAsync(h, command) + " ");
        Assert.Equal("501 5.0.0 Authentication cancelled", await CommandAsync(h, "*"));
        Assert.Empty(h.Handler.Authentications);
        Assert.Contains(h.Handler.Refusals, r => r is { Stage: "auth", Reason: "auth-cancelled" });
        Assert.Equal("250 2.0.0 OK", await CommandAsync(h, "NOOP"));
        Assert.Equal("235 2.7.0 Authentication successful", await CommandAsync(h, "AUTH PLAIN " + AlicePlain));
    }

    [Theory]
    [InlineData("AUTH PLAIN AGFsaWNlAHMzY3JldCE")]      // padding missing
    [InlineData("AUTH PLAIN AGFsaWNl*HMzY3JldCE=")]     // not base64
    [InlineData("AUTH LOGIN YW=xp")]
    public async Task An_initial_response_that_is_not_base64_gets_501_5_5_2(string command)
    {
        await using var h = await StartAsync();
        Assert.Equal("501 5.5.2 Cannot decode response (base64 expected)", await CommandAsync(h, command));
        Assert.Contains(h.Handler.Refusals, r => r is { Stage: "auth", Reason: "auth-syntax" });
        Assert.DoesNotContain(command[11..], h.Context.Transcript.ToString());
    }

    [Fact]
    public async Task A_response_that_is_not_base64_gets_501_5_5_2()
    {
        await using var h = await StartAsync();
        Assert.Equal("334 VXNlcm5hbWU6", await CommandAsync(h, "AUTH LOGIN"));
        Assert.Equal("501 5.5.2 Cannot decode response (base64 expected)", await CommandAsync(h, "alice"));
        Assert.Empty(h.Handler.Authentications);
    }

    [Fact]
    public async Task An_unknown_mechanism_gets_504_and_a_bad_one_501()
    {
        await using var h = await StartAsync();
        Assert.Equal("504 5.5.4 Unrecognized authentication type (offered: PLAIN LOGIN)", await CommandAsync(h, "AUTH CRAM-MD5"));
        Assert.Equal("501 5.5.4 Syntax error in parameters or arguments", await CommandAsync(h, "AUTH"));
        Assert.Equal("501 5.5.4 Syntax error in parameters or arguments", await CommandAsync(h, "AUTH PLAIN a b"));
        Assert.Contains("C: AUTH CRAM-MD5\r\n", h.Context.Transcript.ToString());
        Assert.Contains("C: AUTH <redacted>\r\n", h.Context.Transcript.ToString());
    }

    [Fact]
    public async Task Bad_credentials_get_535_and_count_as_bad_commands()
    {
        await using var h = await StartAsync(o => o.MaxBadCommands = 2);
        var wrong = B64("\0alice\0wrong");
        Assert.Equal("535 5.7.8 Authentication credentials invalid", await CommandAsync(h, "AUTH PLAIN " + wrong));
        Assert.Equal("535 5.7.8 Authentication credentials invalid", await CommandAsync(h, "AUTH PLAIN " + wrong));
        Assert.Equal("421 4.7.0 relay.test too many bad commands, closing connection", await CommandAsync(h, "AUTH PLAIN " + wrong));
        Assert.True(await h.IsClosedAsync());
        Assert.Null(h.Context.AuthenticatedUser);
    }

    [Fact]
    public async Task A_second_AUTH_after_success_gets_503()
    {
        await using var h = await StartAsync();
        Assert.Equal("235 2.7.0 Authentication successful", await CommandAsync(h, "AUTH PLAIN " + AlicePlain));
        Assert.Equal("503 5.5.1 Already authenticated", await CommandAsync(h, "AUTH LOGIN"));
        Assert.Single(h.Handler.Authentications);
    }

    [Fact]
    public async Task AUTH_is_refused_before_EHLO_after_HELO_and_inside_a_transaction()
    {
        var options = new SmtpOptions { HostName = "relay.test", AllowAuthWithoutTls = true };
        await using var h = PipeHarness.Start(options, new RecordingHandler { OffersAuth = true });
        Assert.StartsWith("220 ", await h.ReadReplyAsync());
        Assert.Equal("503 5.5.1 Bad sequence of commands", await CommandAsync(h, "AUTH PLAIN " + AlicePlain));
        Assert.StartsWith("250 ", await CommandAsync(h, "HELO client.test"));
        Assert.Equal("503 5.5.1 Bad sequence of commands", await CommandAsync(h, "AUTH PLAIN " + AlicePlain));
        Assert.StartsWith("250-", await CommandAsync(h, "EHLO client.test"));
        Assert.StartsWith("250 ", await CommandAsync(h, "MAIL FROM:<a@b.test>"));
        Assert.Equal("503 5.5.1 Bad sequence of commands", await CommandAsync(h, "AUTH PLAIN " + AlicePlain));
        Assert.StartsWith("250 ", await CommandAsync(h, "RSET"));
        Assert.Equal("235 2.7.0 Authentication successful", await CommandAsync(h, "AUTH PLAIN " + AlicePlain));
    }

    [Fact]
    public async Task A_421_from_the_handler_is_sent_and_the_connection_closed()
    {
        var handler = new RecordingHandler { AuthReply = (_, _, _, _) => new SmtpReply(421, "4.7.0", "relay.test too many failed AUTH attempts") };
        await using var h = await StartAsync(handler: handler);
        Assert.Equal("421 4.7.0 relay.test too many failed AUTH attempts", await CommandAsync(h, "AUTH PLAIN " + AlicePlain));
        Assert.True(await h.IsClosedAsync());
    }

    [Fact]
    public async Task A_handler_that_throws_gets_454_and_is_recorded()
    {
        var handler = new RecordingHandler { AuthReply = (_, _, _, _) => throw new InvalidOperationException("directory down") };
        await using var h = await StartAsync(handler: handler);
        Assert.Equal("454 4.7.0 Temporary authentication failure", await CommandAsync(h, "AUTH PLAIN " + AlicePlain));
        Assert.Contains(handler.Refusals, r => r is { Stage: "auth", Reason: "handler-error" });
        Assert.Equal("250 2.0.0 OK", await CommandAsync(h, "NOOP"));
    }

    [Fact]
    public async Task A_response_line_over_12288_octets_gets_500_5_5_6_and_the_session_stays_in_step()
    {
        await using var h = await StartAsync();
        Assert.Equal("334 ", await CommandAsync(h, "AUTH PLAIN"));
        await h.SendAsync(new string('A', 20000) + "\r\nNOOP\r\n");
        Assert.Equal("500 5.5.6 Authentication exchange line is too long", await h.ReadReplyAsync());
        Assert.Equal("250 2.0.0 OK", await h.ReadReplyAsync());
        Assert.Contains("<AUTH response over 12288 octets discarded>", h.Context.Transcript.ToString());
    }

    [Fact]
    public async Task A_response_of_exactly_12288_octets_is_read()
    {
        // 9,216 octets encode to 12,288 characters: "\0alice\0" and a 9,209-character password.
        var handler = new RecordingHandler { AuthReply = (_, _, user, password) => user == "alice" && password.Length == 9209 ? null : AuthReplies.InvalidCredentials };
        await using var h = await StartAsync(handler: handler);
        var response = B64("\0alice\0" + new string('p', 9209));
        Assert.Equal(12288, response.Length);
        Assert.Equal("334 ", await CommandAsync(h, "AUTH PLAIN"));
        Assert.Equal("235 2.7.0 Authentication successful", await CommandAsync(h, response));
    }

    [Fact]
    public async Task The_exchange_is_bounded_by_the_command_timeout()
    {
        await using var h = await StartAsync(o => o.CommandTimeout = TimeSpan.FromMilliseconds(300));
        Assert.Equal("334 VXNlcm5hbWU6", await CommandAsync(h, "AUTH LOGIN"));
        Assert.Equal("421 4.4.2 relay.test timeout, closing connection", await h.ReadReplyAsync());
        Assert.True(await h.IsClosedAsync());
        Assert.Contains(h.Handler.Refusals, r => r is { Stage: "auth", Reason: "timeout" });
    }

    [Fact]
    public async Task A_pipelined_exchange_is_read_in_order()
    {
        await using var h = await StartAsync();
        await h.SendAsync($"AUTH LOGIN\r\n{B64("alice")}\r\n{B64("s3cret!")}\r\nNOOP\r\n");
        Assert.Equal(["334 VXNlcm5hbWU6", "334 UGFzc3dvcmQ6", "235 2.7.0 Authentication successful", "250 2.0.0 OK"], await h.ReadRepliesAsync(4));
    }

    [Theory]
    [InlineData("AUTH=<>", "<>")]
    [InlineData("auth=alice+40contoso.test", "alice+40contoso.test")]
    public async Task MAIL_FROM_takes_the_AUTH_parameter_and_keeps_it(string parameter, string value)
    {
        await using var h = await StartAsync();
        Assert.Equal("235 2.7.0 Authentication successful", await CommandAsync(h, "AUTH PLAIN " + AlicePlain));
        Assert.Equal("250 2.1.0 Sender OK", await CommandAsync(h, "MAIL FROM:<alice@contoso.test> " + parameter));
        Assert.Equal("250 2.1.5 Recipient OK", await CommandAsync(h, "RCPT TO:<bob@example.com>"));
        Assert.StartsWith("354", await CommandAsync(h, "DATA"));
        Assert.StartsWith("250", await CommandAsync(h, "Subject: x\r\n\r\nbody\r\n."));
        var message = Assert.Single(h.Handler.Messages);
        Assert.Equal(value, message.Envelope.MailFromParameters["AUTH"]);
    }

    [Theory]
    [InlineData("AUTH=a+zz@b.test")]
    [InlineData("AUTH")]
    [InlineData("AUTH=<> AUTH=<>")]
    public async Task A_bad_or_repeated_AUTH_parameter_gets_501(string parameters)
    {
        await using var h = await StartAsync();
        Assert.Equal("501 5.5.4 Syntax error in parameters or arguments", await CommandAsync(h, "MAIL FROM:<alice@contoso.test> " + parameters));
    }
}
