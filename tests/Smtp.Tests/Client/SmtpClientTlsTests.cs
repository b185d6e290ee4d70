using SmarthostLab.Smtp.Client;
using SmarthostLab.Smtp.Tests.Support;
using SmarthostLab.Tests.Support;

namespace SmarthostLab.Smtp.Tests.Client;

/// <summary>STARTTLS in each <see cref="SmtpClientTls"/> mode against a scripted server with and without a (self-signed) certificate.</summary>
public sealed class SmtpClientTlsTests
{
    [Fact]
    public async Task Opportunistic_TLS_is_used_when_offered_and_EHLO_is_said_again()
    {
        using var cert = TestCertificates.SelfSigned();
        await using var server = ScriptedSmtpServer.Start(new() { Certificate = cert });
        await using var client = await ClientScenario.ConnectAsync(server, ClientScenario.Options(SmtpClientTls.Opportunistic));

        Assert.True(client.IsTls);
        Assert.NotNull(client.TlsProtocol);
        Assert.NotNull(client.TlsCipher);
        Assert.Equal(0, (int)(client.Capabilities & SmtpClientCapabilities.StartTls)); // the EHLO inside TLS no longer offers it
        var result = await client.SendAsync(ClientScenario.Message("secret\r\n", "bob@example.com"), ClientScenario.Timeout());
        Assert.Equal(250, result.DataReply?.Code);

        var connection = server.Connections[0];
        Assert.Equal(client.TlsProtocol, connection.TlsProtocol);
        Assert.Equal(["EHLO", "STARTTLS", "EHLO", "MAIL", "RCPT", "BDAT"], connection.Verbs);
        Assert.True(connection.Commands[2].IsTls);
        Assert.Equal("secret\r\n", server.Transactions[0].ContentText);
    }

    [Fact]
    public async Task Opportunistic_TLS_stays_in_plain_text_when_not_offered()
    {
        await using var server = ScriptedSmtpServer.Start();
        await using var client = await ClientScenario.ConnectAsync(server, ClientScenario.Options(SmtpClientTls.Opportunistic));

        Assert.False(client.IsTls);
        Assert.DoesNotContain("STARTTLS", server.Connections[0].Verbs);
    }

    [Fact]
    public async Task Opportunistic_TLS_stays_in_plain_text_when_STARTTLS_is_refused()
    {
        using var cert = TestCertificates.SelfSigned();
        await using var server = ScriptedSmtpServer.Start(new() { Certificate = cert, Reply = c => c.Verb == "STARTTLS" ? "454 4.7.0 TLS not available" : null });
        await using var client = await ClientScenario.ConnectAsync(server, ClientScenario.Options(SmtpClientTls.Opportunistic));

        Assert.False(client.IsTls);
        Assert.Equal(250, (await client.SendAsync(ClientScenario.Message("x\r\n", "bob@example.com"), ClientScenario.Timeout())).DataReply?.Code);
    }

    [Fact]
    public async Task No_TLS_never_sends_STARTTLS()
    {
        using var cert = TestCertificates.SelfSigned();
        await using var server = ScriptedSmtpServer.Start(new() { Certificate = cert });
        await using var client = await ClientScenario.ConnectAsync(server, ClientScenario.Options(SmtpClientTls.None));

        Assert.False(client.IsTls);
        Assert.True((client.Capabilities & SmtpClientCapabilities.StartTls) != 0);
        Assert.DoesNotContain("STARTTLS", server.Connections[0].Verbs);
    }

    [Fact]
    public async Task Required_TLS_fails_against_a_server_without_STARTTLS()
    {
        await using var server = ScriptedSmtpServer.Start();

        var ex = await Assert.ThrowsAsync<SmtpClientException>(() => ClientScenario.ConnectAsync(server, ClientScenario.Options(SmtpClientTls.Required)));

        Assert.Equal(SmtpClientFailureStage.StartTls, ex.Stage);
        Assert.True(ex.TlsFailure);
        Assert.Equal($"TLS is required but {server.EndPoint} did not offer STARTTLS", ex.Message);
        await server.Connections[0].Closed.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(["EHLO", "QUIT"], server.Connections[0].Verbs);
    }

    [Fact]
    public async Task Required_TLS_fails_when_STARTTLS_is_refused()
    {
        using var cert = TestCertificates.SelfSigned();
        await using var server = ScriptedSmtpServer.Start(new() { Certificate = cert, Reply = c => c.Verb == "STARTTLS" ? "454 4.7.0 TLS not available" : null });

        var ex = await Assert.ThrowsAsync<SmtpClientException>(() => ClientScenario.ConnectAsync(server, ClientScenario.Options(SmtpClientTls.Required)));

        Assert.True(ex.TlsFailure);
        Assert.Equal(454, ex.Reply?.Code);
    }

    [Fact]
    public async Task Required_TLS_accepts_a_self_signed_certificate()
    {
        using var cert = TestCertificates.SelfSigned();
        await using var server = ScriptedSmtpServer.Start(new() { Certificate = cert });
        await using var client = await ClientScenario.ConnectAsync(server, ClientScenario.Options(SmtpClientTls.Required));

        Assert.True(client.IsTls);
    }

    [Fact]
    public async Task RequiredValid_TLS_refuses_a_self_signed_certificate()
    {
        using var cert = TestCertificates.SelfSigned();
        await using var server = ScriptedSmtpServer.Start(new() { Certificate = cert });

        var ex = await Assert.ThrowsAsync<SmtpClientException>(() =>
            SmtpClientConnection.ConnectAsync(server.EndPoint, "relay.test", ClientScenario.Options(SmtpClientTls.RequiredValid), ClientScenario.Timeout()));

        Assert.Equal(SmtpClientFailureStage.StartTls, ex.Stage);
        Assert.True(ex.TlsFailure);
        Assert.StartsWith($"TLS handshake with relay.test[127.0.0.1]:{server.Port} failed: ", ex.Message);
        await server.Connections[0].Closed.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(["EHLO", "STARTTLS"], server.Connections[0].Verbs); // nothing sent over a connection it does not trust
    }

    [Fact]
    public async Task Plain_text_after_the_220_to_STARTTLS_is_refused_as_injection()
    {
        await using var server = ScriptedSmtpServer.Start(new()
        {
            Capabilities = ["STARTTLS"],
            Reply = c => c.Verb == "STARTTLS" ? "220 2.0.0 go ahead\n250 2.0.0 injected" : null,
        });

        var ex = await Assert.ThrowsAsync<SmtpClientException>(() => ClientScenario.ConnectAsync(server, ClientScenario.Options(SmtpClientTls.Opportunistic)));

        Assert.Equal(SmtpClientFailureStage.StartTls, ex.Stage);
        Assert.True(ex.TlsFailure);
        Assert.Contains("sent data after its 220 to STARTTLS", ex.Message);
    }
}
