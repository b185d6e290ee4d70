using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using SmarthostLab.Contracts;

namespace SmarthostLab.Probe.Relay;

/// <summary>
/// The relay's HTTP API (docs/API.md v1) as the probe uses it: info, wait-for-token (and for delivery),
/// one message, refusals, accounts, read into the API's own contract types (src/Contracts) with their source-generated
/// JSON context. Network failures become <see cref="ProbeException"/> ("could not run"). Older relays stay readable:
/// unknown fields are skipped, and the fields they lack read as null or false (a message's <c>dsnOf</c> and
/// <c>authenticatedUser</c>, the SPF verdict's <c>record</c>, <c>mechanism</c> and <c>recordDomain</c>; info's
/// <c>authMechanisms</c> null, <c>authRequired</c> and <c>authRequiresTls</c> false), and a message without
/// <c>delivery</c> as one with none reported.
/// </summary>
public sealed class RelayClient : IDisposable
{
    private readonly HttpClient http;

    /// <summary>Creates a client for the relay at <paramref name="baseUrl"/> (e.g. http://127.0.0.1:8025).</summary>
    /// <param name="baseUrl">The relay's HTTP API base URL.</param>
    /// <param name="token">Bearer token for relays that protect read routes (Api:ReadToken), or null.</param>
    public RelayClient(string baseUrl, string? token = null)
    {
        if (!Uri.TryCreate(baseUrl.TrimEnd('/') + "/", UriKind.Absolute, out var uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps))
        {
            throw new ProbeException($"--relay must be an http(s) URL, not '{baseUrl}'");
        }

        BaseUri = uri;
        http = new HttpClient { BaseAddress = uri, Timeout = Timeout.InfiniteTimeSpan };
        if (!string.IsNullOrEmpty(token))
        {
            http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", token);
        }
    }

    /// <summary>The relay's base URL.</summary>
    public Uri BaseUri { get; }

    /// <summary>GET /api/v1/info.</summary>
    public async Task<InfoResponse> GetInfoAsync(CancellationToken cancellationToken)
        => await GetJsonAsync("api/v1/info", ApiJson.Context.InfoResponse, TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);

    /// <summary>
    /// GET /api/v1/wait: the message carrying <paramref name="token"/>, or null when none arrived in time (404).
    /// With <paramref name="delivery"/> (e.g. "delivered") it answers once every recipient is in that state or a final one.
    /// </summary>
    public async Task<MessageResponse?> WaitAsync(string token, string? delivery, int timeoutSeconds, CancellationToken cancellationToken)
    {
        var path = $"api/v1/wait?token={Uri.EscapeDataString(token)}&timeout={timeoutSeconds.ToString(CultureInfo.InvariantCulture)}";
        if (delivery is not null)
        {
            path += $"&delivery={Uri.EscapeDataString(delivery)}";
        }

        using var response = await SendAsync(path, TimeSpan.FromSeconds(timeoutSeconds + 15), cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        await EnsureSuccessAsync(response, path, cancellationToken).ConfigureAwait(false);
        return Tolerant(await ReadAsync(response, path, ApiJson.Context.MessageResponse, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>GET /api/v1/messages/{id}: the message as the relay has it now.</summary>
    public async Task<MessageResponse> GetMessageAsync(string id, CancellationToken cancellationToken)
        => Tolerant(await GetJsonAsync($"api/v1/messages/{Uri.EscapeDataString(id)}", ApiJson.Context.MessageResponse, TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false));

    /// <summary>GET /api/v1/refusals since <paramref name="since"/>, optionally for one client IP.</summary>
    public async Task<RefusalListResponse> GetRefusalsAsync(DateTimeOffset since, string? ip, CancellationToken cancellationToken)
    {
        var path = $"api/v1/refusals?since={Uri.EscapeDataString(since.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture))}&limit=100";
        if (!string.IsNullOrEmpty(ip))
        {
            path += $"&ip={Uri.EscapeDataString(ip)}";
        }

        return await GetJsonAsync(path, ApiJson.Context.RefusalListResponse, TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>GET /api/v1/accounts.</summary>
    public async Task<AccountListResponse> GetAccountsAsync(CancellationToken cancellationToken)
        => await GetJsonAsync("api/v1/accounts", ApiJson.Context.AccountListResponse, TimeSpan.FromSeconds(10), cancellationToken).ConfigureAwait(false);

    /// <inheritdoc />
    public void Dispose() => http.Dispose();

    /// <summary>A relay before onward delivery (issue 13) sends no <c>delivery</c>: read as no recipient's delivery reported.</summary>
    internal static MessageResponse Tolerant(MessageResponse message) => message.Delivery is null ? message with { Delivery = [] } : message;

    private async Task<T> GetJsonAsync<T>(string path, JsonTypeInfo<T> type, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var response = await SendAsync(path, timeout, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, path, cancellationToken).ConfigureAwait(false);
        return await ReadAsync(response, path, type, cancellationToken).ConfigureAwait(false);
    }

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, string path, JsonTypeInfo<T> type, CancellationToken cancellationToken)
    {
        try
        {
            return await response.Content.ReadFromJsonAsync(type, cancellationToken).ConfigureAwait(false)
                ?? throw new ProbeException($"the relay answered {path} with an empty body");
        }
        catch (JsonException ex)
        {
            throw new ProbeException($"the relay answered {path} with JSON the probe does not understand: {ex.Message}", ex);
        }
    }

    private async Task<HttpResponseMessage> SendAsync(string path, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        try
        {
            return await http.GetAsync(path, HttpCompletionOption.ResponseContentRead, timeoutSource.Token).ConfigureAwait(false);
        }
        catch (HttpRequestException ex)
        {
            throw new ProbeException($"the relay is unreachable at {BaseUri}: {ex.Message}", ex);
        }
        catch (OperationCanceledException ex) when (!cancellationToken.IsCancellationRequested)
        {
            throw new ProbeException($"the relay at {BaseUri} did not answer {path} within {timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s", ex);
        }
    }

    private async Task EnsureSuccessAsync(HttpResponseMessage response, string path, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        throw new ProbeException($"the relay at {BaseUri} answered {path} with {(int)response.StatusCode}: {body.Trim()}");
    }
}
