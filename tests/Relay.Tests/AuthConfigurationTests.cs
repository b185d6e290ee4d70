using System.Diagnostics;
using System.Net;
using MailKit.Security;
using SmarthostLab.Relay.Authentication;
using SmarthostLab.Relay.Hosting;
using SmarthostLab.Relay.Tests.Infrastructure;
using SmarthostLab.Smtp.Session;
using SmarthostLab.Tests.Support;

namespace SmarthostLab.Relay.Tests;

/// <summary>
/// The pieces of SMTP AUTH below the wire (issue 14): stored passwords, the failure limiter on a hand-driven clock,
/// the configuration checks, the hash-password subcommand, and the Received header's protocol word.
/// </summary>
public sealed class AuthConfigurationTests
{
    [Fact]
    public void A_hash_verifies_its_password_only()
    {
        var hash = StoredPassword.Hash("correct horse", StoredPassword.MinIterations);
        Assert.Matches(@"^pbkdf2-sha256\$1000\$[A-Za-z0-9+/]{22}==\$[A-Za-z0-9+/]{43}=$", hash);
        Assert.True(StoredPassword.TryParse(hash, out var stored, out _));
        Assert.True(stored.IsHash);
        Assert.True(stored.Verify("correct horse"));
        Assert.False(stored.Verify("correct horse "));
        Assert.False(stored.Verify(""));
        Assert.NotEqual(hash, StoredPassword.Hash("correct horse", StoredPassword.MinIterations)); // salted
    }

    [Fact]
    public void Plain_text_passwords_are_written_with_their_prefix_and_compared_exactly()
    {
        Assert.True(StoredPassword.TryParse("plain:pa$$ word:x", out var stored, out _));
        Assert.False(stored.IsHash);
        Assert.True(stored.Verify("pa$$ word:x"));
        Assert.False(stored.Verify("pa$$ word"));
        Assert.False(StoredPassword.Unmatchable(0).Verify(""));
        Assert.False(StoredPassword.Unmatchable(1000).Verify(""));
    }

    [Theory]
    [InlineData("--Accounts:0:Credentials:0:Password=secret", "Accounts:0:Credentials:0:Password: must start with 'pbkdf2-sha256$' (a hash from smarthostlab-relay hash-password) or 'plain:' (plain text, for labs)")]
    [InlineData("--Accounts:0:Credentials:0:Password=plain:", "Accounts:0:Credentials:0:Password: 'plain:' must be followed by the password")]
    [InlineData("--Accounts:0:Credentials:0:Password=pbkdf2-sha256$10$AAAAAAAAAAA=$AAAAAAAAAAAAAAAAAAAAAA==", "Accounts:0:Credentials:0:Password: 10 iterations: must be 1000…10000000")]
    [InlineData("--Accounts:0:Credentials:0:Password=pbkdf2-sha256$1000$not base64$x", "Accounts:0:Credentials:0:Password: must be pbkdf2-sha256$<iterations>$<salt base64>$<hash base64>")]
    public void A_bad_password_names_its_key_and_never_shows_the_value(string password, string expected)
    {
        var problem = ConfigurationTests.Validate("--Accounts:0:Name=lab", "--Accounts:0:Credentials:0:User=u", password, "--Admission:Mode=Auth");
        Assert.StartsWith(expected, problem);
        Assert.DoesNotContain("secret", problem);
    }

    [Theory]
    [InlineData("", "Accounts:0:Credentials:0:User: must not be empty")]
    [InlineData("two words", "Accounts:0:Credentials:0:User: 'two words' must be at most 255 characters without spaces or control characters")]
    public void A_bad_user_names_its_key(string user, string expected) =>
        Assert.Equal(expected, ConfigurationTests.Validate("--Accounts:0:Name=lab", "--Accounts:0:Credentials:0:User=" + user, "--Accounts:0:Credentials:0:Password=plain:x"));

    [Fact]
    public void A_user_belongs_to_one_account()
    {
        Assert.Equal("Accounts:1:Credentials:0:User: 'shared' is already a user of account a", ConfigurationTests.Validate(
            "--Accounts:0:Name=a", "--Accounts:0:Credentials:0:User=shared", "--Accounts:0:Credentials:0:Password=plain:x",
            "--Accounts:1:Name=b", "--Accounts:1:Credentials:0:User=shared", "--Accounts:1:Credentials:0:Password=plain:y"));
    }

    [Theory]
    [InlineData("Auth")]
    [InlineData("IpOrAuth")]
    [InlineData("IpAndAuth")]
    public void A_mode_that_uses_AUTH_needs_a_credential(string mode) =>
        Assert.Equal($"Admission:Mode: {mode} needs at least one credential (Accounts:N:Credentials:M:User and :Password); no account has one",
            ConfigurationTests.Validate("--Admission:Mode=" + mode));

    [Fact]
    public void A_mode_that_uses_AUTH_needs_TLS_unless_allowed_without()
    {
        string[] auth = ["--Accounts:0:Name=lab", "--Accounts:0:Credentials:0:User=u", "--Accounts:0:Credentials:0:Password=plain:x", "--Admission:Mode=Auth"];
        Assert.Equal("Admission:Mode: Auth takes AUTH only under TLS, and Smtp:StartTls is false with no Smtp:ImplicitTlsListen (set one, or Smtp:AllowAuthWithoutTls=true for a lab)",
            ConfigurationTests.Validate([.. auth, "--Smtp:StartTls=false"]));
        Assert.Null(ConfigurationTests.Validate([.. auth, "--Smtp:StartTls=false", "--Smtp:AllowAuthWithoutTls=true"]));
        Assert.Null(ConfigurationTests.Validate([.. auth, "--Smtp:StartTls=false", "--Smtp:ImplicitTlsListen=127.0.0.1:0"]));
        Assert.Null(ConfigurationTests.Validate(auth));
    }

    [Theory]
    [InlineData("--Admission:Mode=Sometimes", "Admission:Mode: 'Sometimes' is not one of Ip, Auth, IpOrAuth, IpAndAuth")]
    [InlineData("--Admission:MaxAuthFailures=0", "Admission:MaxAuthFailures: must be between 1 and 10000 (got 0)")]
    [InlineData("--Admission:AuthFailureWindow=00:00:00", "Admission:AuthFailureWindow: must be a positive time span")]
    [InlineData("--Accounts:0:Credentials:0:Secret=x", "Accounts:0:Credentials:0:Secret: unknown key")]
    public void Admission_and_credential_keys_are_checked(string arg, string expected) =>
        Assert.StartsWith(expected, ConfigurationTests.Validate("--Accounts:0:Name=lab", arg));

    [Fact]
    public async Task The_start_fails_with_the_keys_error()
    {
        using var data = new TempFolder();
        var failure = await Assert.ThrowsAsync<RelayConfigurationException>(() => RelayHost.StartAsync(
            ["--smtp", "127.0.0.1:0", "--http", "127.0.0.1:0", "--data", data.Path, "--Accounts:0:Name=lab",
             "--Accounts:0:Credentials:0:User=u", "--Accounts:0:Credentials:0:Password=hunter2", "--Admission:Mode=Auth"]));
        Assert.StartsWith("Accounts:0:Credentials:0:Password: must start with 'pbkdf2-sha256$'", failure.Message);
        Assert.DoesNotContain("hunter2", failure.Message);
    }

    [Fact]
    public void The_limiter_locks_a_client_out_after_its_failures_and_lets_one_back_per_share_of_the_window()
    {
        var clock = new ManualClock();
        var limiter = new AuthFailureLimiter(clock, 5, TimeSpan.FromMinutes(1));
        var client = IPAddress.Parse("192.0.2.7");
        for (var i = 0; i < 5; i++)
        {
            Assert.False(limiter.IsLockedOut(client));
            limiter.RecordFailure(client);
        }
        Assert.True(limiter.IsLockedOut(client));
        Assert.False(limiter.IsLockedOut(IPAddress.Parse("192.0.2.8")));
        clock.Advance(TimeSpan.FromSeconds(11));
        Assert.True(limiter.IsLockedOut(client));
        clock.Advance(TimeSpan.FromSeconds(2)); // 13 s: one of five per minute (one every 12 s) is back
        Assert.False(limiter.IsLockedOut(client));
        limiter.RecordFailure(client);
        Assert.True(limiter.IsLockedOut(client));
        clock.Advance(TimeSpan.FromMinutes(10)); // never more than five saved up
        for (var i = 0; i < 5; i++) limiter.RecordFailure(client);
        Assert.True(limiter.IsLockedOut(client));
    }

    [Fact]
    public void The_limiter_counts_an_IPv6_client_by_its_64_network_and_a_mapped_IPv4_as_itself()
    {
        var limiter = new AuthFailureLimiter(new ManualClock(), 1, TimeSpan.FromMinutes(1));
        limiter.RecordFailure(IPAddress.Parse("2001:db8:1:2::10"));
        Assert.True(limiter.IsLockedOut(IPAddress.Parse("2001:db8:1:2:ffff::1")));
        Assert.False(limiter.IsLockedOut(IPAddress.Parse("2001:db8:1:3::10")));
        limiter.RecordFailure(IPAddress.Parse("::ffff:192.0.2.9"));
        Assert.True(limiter.IsLockedOut(IPAddress.Parse("192.0.2.9")));
    }

    [Fact]
    public void The_limiter_forgets_clients_whose_allowance_is_whole_again_when_its_table_is_full()
    {
        var clock = new ManualClock();
        var limiter = new AuthFailureLimiter(clock, 2, TimeSpan.FromMinutes(1));
        for (var i = 0; i < AuthFailureLimiter.MaxTracked; i++) limiter.RecordFailure(new IPAddress(0x0A000000u + (uint)i));
        Assert.Equal(AuthFailureLimiter.MaxTracked, limiter.Tracked);
        limiter.RecordFailure(IPAddress.Parse("192.0.2.1")); // full, none forgettable: not tracked
        Assert.Equal(AuthFailureLimiter.MaxTracked, limiter.Tracked);
        clock.Advance(TimeSpan.FromMinutes(1));
        limiter.RecordFailure(IPAddress.Parse("192.0.2.1"));
        Assert.Equal(1, limiter.Tracked);
    }

    [Fact]
    public async Task Hash_password_reads_standard_input_and_prints_a_hash_that_verifies()
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var exit = await HashPasswordCommand.RunAsync(["--iterations", "2000"], new StringReader("typed secret\n"), output, error);
        Assert.Equal((0, ""), (exit, error.ToString()));
        var hash = output.ToString().TrimEnd('\n', '\r');
        Assert.StartsWith("pbkdf2-sha256$2000$", hash);
        Assert.True(StoredPassword.TryParse(hash, out var stored, out _) && stored.Verify("typed secret"));
    }

    [Theory]
    [InlineData(new[] { "--iterations=12" }, "", "smarthostlab-relay hash-password: --iterations: '12' is not a number of iterations from 1000 to 10000000")]
    [InlineData(new string[0], "", "smarthostlab-relay hash-password: the password is empty (give it as the argument or on standard input)")]
    [InlineData(new[] { "a", "b" }, "", "smarthostlab-relay hash-password: b: unknown option (see hash-password --help)")]
    public async Task Hash_password_usage_errors_exit_2(string[] args, string input, string expected)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        Assert.Equal(2, await HashPasswordCommand.RunAsync(args, new StringReader(input), output, error));
        Assert.Equal(expected, error.ToString().TrimEnd());
        Assert.Empty(output.ToString());
    }

    [Fact]
    public async Task The_executables_hash_password_output_logs_a_MailKit_client_in()
    {
        using var folder = new TempFolder();
        var start = new ProcessStartInfo("dotnet") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, WorkingDirectory = folder.Path };
        foreach (var arg in new[] { Path.Combine(AppContext.BaseDirectory, "smarthostlab-relay.dll"), "hash-password", "--iterations", "5000" }) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        await process.StandardInput.WriteLineAsync("from stdin ✓");
        process.StandardInput.Close();
        var stdout = await process.StandardOutput.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(60));
        var stderr = await process.StandardError.ReadToEndAsync().WaitAsync(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        Assert.True(process.ExitCode == 0, stderr);
        var hash = stdout.Trim();
        Assert.StartsWith("pbkdf2-sha256$5000$", hash);

        await using var relay = await TestRelay.StartAsync("--Admission:Mode=Auth", "--Accounts:0:Credentials:0:User=hashed", "--Accounts:0:Credentials:0:Password=" + hash);
        using var client = await Mail.ConnectAsync(relay.Smtp, TestRelay.Unregistered, startTls: true);
        await Assert.ThrowsAsync<AuthenticationException>(() => client.AuthenticateAsync("hashed", "from stdin"));
        await client.AuthenticateAsync("hashed", "from stdin ✓");
        var reply = await client.SendAsync(Mail.Message("hashed-token"));
        Assert.Contains("Ok: queued as", reply);
        Assert.Equal("hashed", Assert.Single((await relay.MessagesAsync("?token=hashed-token")).Messages).AuthenticatedUser);
    }

    [Theory]
    [InlineData(false, false, false, "ESMTP")]
    [InlineData(true, false, false, "ESMTPS")]
    [InlineData(false, true, false, "ESMTPA")]
    [InlineData(true, true, false, "ESMTPSA")]
    [InlineData(true, true, true, "UTF8SMTPSA")]
    [InlineData(false, true, true, "UTF8SMTPA")]
    public void The_Received_protocol_word_follows_RFC_3848(bool tls, bool authenticated, bool utf8, string expected)
    {
        var session = new SessionContext("s", new IPEndPoint(IPAddress.Loopback, 1), new IPEndPoint(IPAddress.Loopback, 25))
        {
            IsExtended = true,
            TlsProtocol = tls ? System.Security.Authentication.SslProtocols.Tls13 : null,
            AuthenticatedUser = authenticated ? "u" : null,
        };
        Assert.Equal(expected, Session.ReceivedHeader.Protocol(session, new Envelope { MailFrom = "a@b.test", Utf8 = utf8 }));
    }

    /// <summary>A clock moved by hand (timestamps only: the limiter reads nothing else).</summary>
    private sealed class ManualClock : TimeProvider
    {
        private long _ticks;

        public void Advance(TimeSpan by) => _ticks += by.Ticks;

        public override long GetTimestamp() => _ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;
    }
}
