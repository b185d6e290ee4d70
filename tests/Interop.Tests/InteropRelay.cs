using System.Text.Json;
using SmarthostLab.Relay.Hosting;
using SmarthostLab.Tests.Support;

namespace SmarthostLab.Interop.Tests;

/// <summary>
/// A relay on loopback ports picked by the OS, with a temp data folder and one account ("contoso")
/// registering 127.0.0.2 — the address Postfix binds its outbound connections to.
/// </summary>
public sealed class InteropRelay : IAsyncDisposable
{
    private readonly TempFolder _dataFolder;

    private InteropRelay(RunningRelay relay, TempFolder dataFolder)
    {
        Relay = relay;
        _dataFolder = dataFolder;
        Http = new HttpClient { BaseAddress = relay.HttpBaseAddress, Timeout = TimeSpan.FromSeconds(120) };
    }

    /// <summary>The running relay.</summary>
    public RunningRelay Relay { get; }

    /// <summary>A client for the relay's HTTP API.</summary>
    public HttpClient Http { get; }

    /// <summary>The relay's API base address, e.g. http://127.0.0.1:40123/.</summary>
    public string BaseUrl => Relay.HttpBaseAddress.ToString().TrimEnd('/');

    /// <summary>Starts the relay; <paramref name="extra"/> are more arguments (e.g. a delivery mode).</summary>
    public static async Task<InteropRelay> StartAsync(params string[] extra)
    {
        var data = new TempFolder();
        string[] args =
        [
            "--smtp", "127.0.0.1:0", "--http", "127.0.0.1:0", "--data", data.Path,
            "--Logging:LogLevel:Default=Warning",
            "--Smtp:HostName=smarthost.test",
            "--Accounts:0:Name=contoso",
            "--Accounts:0:OutboundServers:0=127.0.0.2",
            "--Accounts:0:Domains:0=contoso.test",
            .. extra,
        ];
        try
        {
            return new InteropRelay(await RelayHost.StartAsync(args), data);
        }
        catch
        {
            data.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Long-polls the wait API for a message carrying <paramref name="token"/> (with <paramref name="delivery"/>: whose
    /// recipients all reached that delivery state or a final one); null on 404 (not in time).
    /// </summary>
    public async Task<JsonElement?> WaitAsync(string token, int seconds, string? delivery = null)
    {
        var query = $"/api/v1/wait?token={Uri.EscapeDataString(token)}&timeout={seconds}" + (delivery is null ? "" : "&delivery=" + delivery);
        using var response = await Http.GetAsync(query);
        if ((int)response.StatusCode == 404) return null;
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    /// <summary>GET a path and parse the JSON answer.</summary>
    public async Task<JsonElement> GetJsonAsync(string path)
    {
        using var response = await Http.GetAsync(path);
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    /// <summary>GET a path as text.</summary>
    public Task<string> GetTextAsync(string path) => Http.GetStringAsync(path);

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await Relay.DisposeAsync();
        _dataFolder.Dispose();
    }
}
