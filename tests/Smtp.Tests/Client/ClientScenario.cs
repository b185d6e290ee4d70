using System.Buffers;
using System.Text;
using SmarthostLab.Smtp.Client;
using SmarthostLab.Tests.Support;

namespace SmarthostLab.Smtp.Tests.Client;

/// <summary>Short hands for the client tests: options with test timeouts, transactions from text, connecting to a scripted server.</summary>
internal static class ClientScenario
{
    public static SmtpClientOptions Options(SmtpClientTls tls = SmtpClientTls.None) => new()
    {
        HeloName = "client.test",
        Tls = tls,
        ConnectTimeout = TimeSpan.FromSeconds(5),
        CommandTimeout = TimeSpan.FromSeconds(10),
        DataTimeout = TimeSpan.FromSeconds(10),
    };

    public static OutboundTransaction Message(string content, params string[] recipients) =>
        Message(Encoding.UTF8.GetBytes(content), recipients);

    public static OutboundTransaction Message(byte[] content, params string[] recipients) =>
        new("alice@contoso.test", [], [.. recipients.Select(r => new OutboundRecipient(r, []))], new ReadOnlySequence<byte>(content));

    public static Task<SmtpClientConnection> ConnectAsync(ScriptedSmtpServer server, SmtpClientOptions? options = null) =>
        SmtpClientConnection.ConnectAsync(server.EndPoint, server.EndPoint.Address.ToString(), options ?? Options(), Timeout());

    /// <summary>A token that ends a test that would otherwise hang.</summary>
    public static CancellationToken Timeout() => new CancellationTokenSource(TimeSpan.FromSeconds(30)).Token;
}
