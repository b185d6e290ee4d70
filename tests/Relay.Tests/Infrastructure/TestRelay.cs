using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.Logging;
using System.Text.RegularExpressions;
using SmarthostLab.Relay.Api;
using SmarthostLab.Contracts;
using SmarthostLab.Relay.Diagnostics;
using SmarthostLab.Relay.Hosting;
using SmarthostLab.Tests.Support;

namespace SmarthostLab.Relay.Tests.Infrastructure;

/// <summary>
/// A relay on loopback with ephemeral ports and a temp data folder, one account "lab" registering
/// 127.0.0.2 for contoso.test, admin token "admin-token-1234", quiet logging.
/// </summary>
public sealed class TestRelay : IAsyncDisposable
{
    public const string AdminToken = "admin-token-1234";
    public static readonly IPAddress Registered = IPAddress.Parse("127.0.0.2");
    public static readonly IPAddress Unregistered = IPAddress.Parse("127.0.0.3");

    private readonly TempFolder? _ownedFolder;

    private TestRelay(RunningRelay relay, string dataFolder, TempFolder? ownedFolder)
    {
        Relay = relay;
        DataFolder = dataFolder;
        _ownedFolder = ownedFolder;
        Http = new HttpClient { BaseAddress = relay.HttpBaseAddress, Timeout = TimeSpan.FromSeconds(60) };
    }

    public RunningRelay Relay { get; }
    public string DataFolder { get; }
    public HttpClient Http { get; }
    public IPEndPoint Smtp => Relay.SmtpEndPoint;

    /// <summary>
    /// A client from the registered address, past the greeting, EHLO exchange.contoso.test, <c>MAIL FROM:</c>
    /// <paramref name="mailFrom"/> (250), <c>RCPT TO:&lt;bob@example.com&gt;</c> (250) and DATA (354): ready for the message.
    /// </summary>
    public async Task<RawSmtpClient> OpenDataAsync(string mailFrom = "<alice@contoso.test>")
    {
        var client = await RawSmtpClient.ConnectAsync(Smtp, Registered);
        await client.ReadReplyAsync();
        Assert.StartsWith("250", await client.CommandAsync("EHLO exchange.contoso.test"));
        Assert.StartsWith("250", await client.CommandAsync("MAIL FROM:" + mailFrom));
        Assert.StartsWith("250", await client.CommandAsync("RCPT TO:<bob@example.com>"));
        Assert.StartsWith("354", await client.CommandAsync("DATA"));
        return client;
    }

    /// <summary>Starts a relay; <paramref name="extra"/> are more arguments (override the defaults).</summary>
    public static async Task<TestRelay> StartAsync(params string[] extra) => await StartInAsync(null, extra);

    /// <summary>Starts a relay whose logs (the levels the arguments let through) also go to <paramref name="logs"/>.</summary>
    public static async Task<TestRelay> StartLoggingToAsync(ILoggerProvider logs, params string[] extra) =>
        await StartInAsync(null, extra, builder => builder.Logging.AddProvider(logs));

    /// <summary>Starts a relay with <paramref name="configure"/> run on its builder (e.g. to replace its TimeProvider).</summary>
    public static async Task<TestRelay> StartConfiguredAsync(Action<WebApplicationBuilder> configure, params string[] extra) =>
        await StartInAsync(null, extra, configure);

    /// <summary>Starts a relay on <paramref name="dataFolder"/> (kept on dispose when given).</summary>
    public static async Task<TestRelay> StartInAsync(string? dataFolder, params string[] extra) => await StartInAsync(dataFolder, extra, null);

    private static async Task<TestRelay> StartInAsync(string? dataFolder, string[] extra, Action<WebApplicationBuilder>? configure)
    {
        var owned = dataFolder is null ? new TempFolder() : null;
        dataFolder ??= owned!.Path;
        string[] args =
        [
            "--smtp", "127.0.0.1:0", "--http", "127.0.0.1:0", "--data", dataFolder,
            "--Logging:LogLevel:Default=Warning",
            "--Smtp:HostName=relay.test",
            "--Api:AdminToken=" + AdminToken,
            "--Accounts:0:Name=lab",
            "--Accounts:0:OutboundServers:0=127.0.0.2",
            "--Accounts:0:Domains:0=contoso.test",
            .. extra,
        ];
        try
        {
            return new TestRelay(await RelayHost.StartAsync(args, configure), dataFolder, owned);
        }
        catch
        {
            owned?.Dispose();
            throw;
        }
    }

    public HttpRequestMessage Admin(HttpMethod method, string uri, object? body = null)
    {
        var request = new HttpRequestMessage(method, uri);
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", AdminToken);
        if (body is OutboundServerRequest r) request.Content = JsonContent.Create(r, RelayJson.Context.OutboundServerRequest);
        return request;
    }

    public async Task<MessageListResponse> MessagesAsync(string query = "")
    {
        var response = await Http.GetAsync("/api/v1/messages" + query);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync(RelayJson.Context.MessageListResponse))!;
    }

    /// <summary>
    /// The value of a series of <c>/metrics</c>, e.g. <c>name{label="x"}</c>: the sum of the samples carrying those labels
    /// (and maybe others); 0 when there are none (yet).
    /// </summary>
    public async Task<double> MetricAsync(string series) => PrometheusText.Sum(await Http.GetStringAsync("/metrics"), series);

    public async Task<RefusalListResponse> RefusalsAsync(string query = "")
    {
        var response = await Http.GetAsync("/api/v1/refusals" + query);
        response.EnsureSuccessStatusCode();
        return (await response.Content.ReadFromJsonAsync(RelayJson.Context.RefusalListResponse))!;
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Relay.DisposeAsync();
        _ownedFolder?.Dispose();
    }
}
