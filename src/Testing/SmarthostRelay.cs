using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using SmarthostLab.Contracts;
using SmarthostLab.Relay.Hosting;

namespace SmarthostLab.Testing;

/// <summary>
/// A SmarthostLab relay for integration tests: one started in-process by <see cref="StartAsync"/> (free loopback ports,
/// a temp folder, the configuration built in code; disposing stops it and deletes the folder), or a running one reached
/// by <see cref="AttachAsync"/>. Its queries read the relay's HTTP API (docs/API.md) into the relay's own contract types.
/// </summary>
public sealed class SmarthostRelay : IAsyncDisposable
{
    /// <summary>What <see cref="WaitForMessageAsync"/> and <see cref="WaitForRefusalAsync"/> wait when no timeout is given.</summary>
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(30);

    /// <summary>The longest single <c>/api/v1/wait</c> request (the relay's default <c>Api:MaxWaitTimeout</c>); longer waits ask again.</summary>
    private static readonly TimeSpan WaitChunk = TimeSpan.FromMinutes(5);

    /// <summary>How long a request may take beyond the wait it asks the relay for.</summary>
    private static readonly TimeSpan RequestSlack = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan RefusalPollInterval = TimeSpan.FromMilliseconds(100);

    private readonly RunningRelay? _relay;
    private readonly string? _folder;
    private int _disposed;

    private SmarthostRelay(HttpClient http, IPEndPoint smtp, RunningRelay? relay, string? folder)
    {
        Http = http;
        SmtpEndPoint = smtp;
        _relay = relay;
        _folder = folder;
    }

    /// <summary>The relay's SMTP endpoint (plain, STARTTLS offered), e.g. 127.0.0.1:40123.</summary>
    public IPEndPoint SmtpEndPoint { get; }

    /// <summary>The relay's HTTP API base address, e.g. http://127.0.0.1:40124/.</summary>
    public Uri ApiBaseAddress => Http.BaseAddress!;

    /// <summary>
    /// An HTTP client of the relay's API (base address <see cref="ApiBaseAddress"/>, the bearer token set), for the
    /// routes this class has no method for: <c>await relay.Http.GetStringAsync("api/v1/messages/{id}/transcript")</c>.
    /// </summary>
    public HttpClient Http { get; }

    /// <summary>The relay's data folder (its SQLite store) when started in-process; null when attached.</summary>
    public string? DataFolder => _folder is null ? null : Path.Combine(_folder, "data");

    /// <summary>
    /// Starts a relay in-process: SMTP and HTTP on 127.0.0.1 with free ports, files in a new temp folder, and the
    /// configuration <paramref name="configure"/> builds (see <see cref="SmarthostRelayOptions"/> for the test defaults).
    /// Dispose it to stop it (gracefully) and delete its folder.
    /// </summary>
    /// <exception cref="RelayConfigurationException">The configuration is invalid; the message names the key.</exception>
    /// <exception cref="RelayStartException">The relay could not listen or use its folder.</exception>
    public static async Task<SmarthostRelay> StartAsync(Action<SmarthostRelayOptions>? configure = null, CancellationToken cancellationToken = default)
    {
        var options = new SmarthostRelayOptions();
        configure?.Invoke(options);
        var folder = Directory.CreateTempSubdirectory("smarthostlab-testing-").FullName;
        try
        {
            var (arguments, adminToken) = options.ToArguments(folder, Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)));
            var relay = await RelayHost.StartAsync(arguments, options.HostActions, cancellationToken).ConfigureAwait(false);
            return new SmarthostRelay(CreateClient(relay.HttpBaseAddress, adminToken), relay.SmtpEndPoint, relay, folder);
        }
        catch
        {
            DeleteFolder(folder);
            throw;
        }
    }

    /// <summary>
    /// Reaches a running relay at <paramref name="apiBaseAddress"/> (e.g. http://127.0.0.1:8025/) and reads its SMTP
    /// endpoint from <c>GET /api/v1/info</c>. <paramref name="token"/> is sent as the bearer token (Api:ReadToken, or
    /// Api:AdminToken for <see cref="DeleteMessagesAsync"/>). Disposing leaves the relay running.
    /// </summary>
    /// <exception cref="HttpRequestException">The relay cannot be reached or answered with an error.</exception>
    public static async Task<SmarthostRelay> AttachAsync(Uri apiBaseAddress, string? token = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(apiBaseAddress);
        var http = CreateClient(apiBaseAddress, token);
        try
        {
            using var response = await http.GetAsync(new Uri("api/v1/info", UriKind.Relative), cancellationToken).ConfigureAwait(false);
            await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
            var info = await response.Content.ReadFromJsonAsync(ApiJson.Context.InfoResponse, cancellationToken).ConfigureAwait(false)
                ?? throw new HttpRequestException($"GET {response.RequestMessage?.RequestUri} answered no JSON");
            var smtp = info.Smtp.FirstOrDefault(e => e.Tls != "implicit")
                ?? throw new HttpRequestException($"the relay at {apiBaseAddress} lists no plain SMTP endpoint in /api/v1/info");
            return new SmarthostRelay(http, Connectable(IPEndPoint.Parse(smtp.Endpoint)), relay: null, folder: null);
        }
        catch
        {
            http.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Waits for a message carrying <paramref name="token"/> (in its Subject, Message-ID or any header value), including
    /// one stored before the call, with <c>GET /api/v1/wait</c>; with <paramref name="delivery"/> (e.g.
    /// <c>delivered</c>) also until every recipient is in that state or a final one.
    /// </summary>
    /// <param name="token">The text to look for; 8 characters or more use the relay's token index.</param>
    /// <param name="timeout">How long to wait; <see cref="DefaultTimeout"/> when null.</param>
    /// <param name="delivery">A delivery state to wait for as well: queued, deferred, delivered, bounced, expired.</param>
    /// <param name="cancellationToken">Cancels the wait.</param>
    /// <returns>The message.</returns>
    /// <exception cref="TimeoutException">
    /// None arrived in time (the relay answered 404). Never null: the message names the token, the time waited and the
    /// relay's latest refusals, which usually say why.
    /// </exception>
    public async Task<MessageResponse> WaitForMessageAsync(string token, TimeSpan? timeout = null, string? delivery = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(token);
        var limit = timeout ?? DefaultTimeout;
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, TimeSpan.Zero, nameof(timeout));
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            var chunk = Min(limit - Stopwatch.GetElapsedTime(started), WaitChunk);
            if (chunk < TimeSpan.Zero) chunk = TimeSpan.Zero;
            var query = new StringBuilder();
            MessageFilter.Add(query, "token", token);
            MessageFilter.Add(query, "timeout", chunk.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture));
            MessageFilter.Add(query, "delivery", delivery);
            using var request = new CancellationTokenSource(chunk + RequestSlack);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(request.Token, cancellationToken);
            using var response = await Http.GetAsync(new Uri("api/v1/wait" + query, UriKind.Relative), linked.Token).ConfigureAwait(false);
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                var problem = await ErrorOfAsync(response, cancellationToken).ConfigureAwait(false);
                if (Stopwatch.GetElapsedTime(started) < limit) continue;
                throw new TimeoutException(
                    $"SmarthostLab relay at {ApiBaseAddress}: waited {Seconds(limit)} s for a message matching '{token}'" +
                    (delivery is null ? "" : $" with every recipient {delivery}") +
                    $": {problem}. {await LatestRefusalsAsync(cancellationToken).ConfigureAwait(false)}");
            }
            await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
            return await ReadAsync(response, ApiJson.Context.MessageResponse, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The message with id <paramref name="id"/> (<c>GET /api/v1/messages/{id}</c>), or null when there is none.</summary>
    public async Task<MessageResponse?> GetMessageAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        using var response = await Http.GetAsync(new Uri("api/v1/messages/" + Uri.EscapeDataString(id), UriKind.Relative), cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        return await ReadAsync(response, ApiJson.Context.MessageResponse, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The stored bytes of a message as the relay keeps them (its headers first), or null when there is none.</summary>
    public async Task<byte[]?> GetRawMessageAsync(string id, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(id);
        using var response = await Http.GetAsync(new Uri($"api/v1/messages/{Uri.EscapeDataString(id)}/raw", UriKind.Relative), cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == HttpStatusCode.NotFound) return null;
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        return await response.Content.ReadAsByteArrayAsync(cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stored messages matching <paramref name="filter"/>, newest first, one page (<c>GET /api/v1/messages</c>).</summary>
    /// <exception cref="HttpRequestException">The relay refused a filter (400, naming it).</exception>
    public async Task<MessageListResponse> ListMessagesAsync(MessageFilter? filter = null, CancellationToken cancellationToken = default)
    {
        using var response = await Http.GetAsync(new Uri("api/v1/messages" + (filter?.ToQuery() ?? ""), UriKind.Relative), cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        return await ReadAsync(response, ApiJson.Context.MessageListResponse, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Refusals the relay recorded (<c>GET /api/v1/refusals</c>), newest first: every refused connection, command or
    /// message with its reply and reason.
    /// </summary>
    /// <param name="ip">Only this client address (any spelling, e.g. 127.0.0.3).</param>
    /// <param name="since">Only those at or after this time.</param>
    /// <param name="limit">At most this many (the relay's default: 100).</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public async Task<RefusalListResponse> GetRefusalsAsync(string? ip = null, DateTimeOffset? since = null, int? limit = null, CancellationToken cancellationToken = default)
    {
        var query = new StringBuilder();
        MessageFilter.Add(query, "ip", ip);
        MessageFilter.Add(query, "since", since?.UtcDateTime.ToString("O", CultureInfo.InvariantCulture));
        MessageFilter.Add(query, "limit", limit?.ToString(CultureInfo.InvariantCulture));
        using var response = await Http.GetAsync(new Uri("api/v1/refusals" + query, UriKind.Relative), cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        return await ReadAsync(response, ApiJson.Context.RefusalListResponse, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Waits for the relay to record a refusal of <paramref name="ip"/> (refusals are written just after the reply, so
    /// one may not be listed yet when the client sees it): asks <c>GET /api/v1/refusals</c> every 100 ms.
    /// </summary>
    /// <returns>The newest refusal of <paramref name="ip"/> at or after <paramref name="since"/>.</returns>
    /// <exception cref="TimeoutException">None was recorded within <paramref name="timeout"/> (<see cref="DefaultTimeout"/> when null).</exception>
    public async Task<RefusalResponse> WaitForRefusalAsync(string ip, TimeSpan? timeout = null, DateTimeOffset? since = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(ip);
        var limit = timeout ?? DefaultTimeout;
        var started = Stopwatch.GetTimestamp();
        while (true)
        {
            var page = await GetRefusalsAsync(ip, since, limit: 1, cancellationToken).ConfigureAwait(false);
            if (page.Refusals.Count > 0) return page.Refusals[0];
            if (Stopwatch.GetElapsedTime(started) >= limit)
                throw new TimeoutException($"SmarthostLab relay at {ApiBaseAddress}: no refusal of {ip} recorded within {Seconds(limit)} s");
            await Task.Delay(RefusalPollInterval, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Deletes every stored message (<c>DELETE /api/v1/messages</c>, an admin route): a clean relay for the next test.</summary>
    /// <exception cref="HttpRequestException">Admin routes are off, or the token is not the admin token (attached relays).</exception>
    public async Task DeleteMessagesAsync(CancellationToken cancellationToken = default)
    {
        using var response = await Http.DeleteAsync(new Uri("api/v1/messages", UriKind.Relative), cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Stops an in-process relay (sessions in progress finish first) and deletes its folder; an attached relay keeps running.</summary>
    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0) return;
        Http.Dispose();
        if (_relay is not null) await _relay.DisposeAsync().ConfigureAwait(false);
        if (_folder is not null) DeleteFolder(_folder);
    }

    private static HttpClient CreateClient(Uri baseAddress, string? token)
    {
        var address = baseAddress.AbsoluteUri.EndsWith('/') ? baseAddress : new Uri(baseAddress.AbsoluteUri + "/");
        // Each request is bounded by its own token: a wait may rightly take minutes.
        var http = new HttpClient { BaseAddress = address, Timeout = Timeout.InfiniteTimeSpan };
        if (!string.IsNullOrEmpty(token)) http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    /// <summary>A wildcard listen address (0.0.0.0, [::]) as the loopback address of its family, which reaches it.</summary>
    private static IPEndPoint Connectable(IPEndPoint endPoint) =>
        endPoint.Address.Equals(IPAddress.Any) ? new IPEndPoint(IPAddress.Loopback, endPoint.Port)
        : endPoint.Address.Equals(IPAddress.IPv6Any) ? new IPEndPoint(IPAddress.IPv6Loopback, endPoint.Port)
        : endPoint;

    private static async Task<T> ReadAsync<T>(HttpResponseMessage response, System.Text.Json.Serialization.Metadata.JsonTypeInfo<T> type, CancellationToken cancellationToken) =>
        await response.Content.ReadFromJsonAsync(type, cancellationToken).ConfigureAwait(false)
            ?? throw new HttpRequestException($"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri} answered null");

    /// <summary>Throws for an error status, with the relay's one-line <c>{"error":…}</c>.</summary>
    private static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode) return;
        var problem = await ErrorOfAsync(response, cancellationToken).ConfigureAwait(false);
        throw new HttpRequestException(
            $"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri} answered {(int)response.StatusCode} {response.ReasonPhrase}: {problem}",
            inner: null, response.StatusCode);
    }

    /// <summary>The <c>error</c> of the relay's JSON error body, else the body's first line.</summary>
    private static async Task<string> ErrorOfAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (JsonSerializer.Deserialize(body, ApiJson.Context.ErrorResponse) is { Error: { Length: > 0 } error }) return error;
        }
        catch (JsonException)
        {
            // Not the relay's JSON: say what came instead.
        }
        var line = body.Split('\n')[0].Trim();
        return line.Length == 0 ? "(no body)" : line;
    }

    /// <summary>"The relay's latest refusals: …", the usual reason a message did not arrive; "" when they cannot be read.</summary>
    private async Task<string> LatestRefusalsAsync(CancellationToken cancellationToken)
    {
        try
        {
            var page = await GetRefusalsAsync(limit: 3, cancellationToken: cancellationToken).ConfigureAwait(false);
            if (page.Refusals.Count == 0) return "The relay recorded no refusal.";
            return "The relay's latest refusals: " + string.Join("; ", page.Refusals.Select(r =>
                $"{r.Time.ToString("HH:mm:ss", CultureInfo.InvariantCulture)} {r.ClientIp} at {r.Stage}: {r.Reply} ({r.Reason})")) + ".";
        }
        catch (Exception exception) when (exception is HttpRequestException or JsonException or TaskCanceledException)
        {
            return "";
        }
    }

    private static TimeSpan Min(TimeSpan a, TimeSpan b) => a < b ? a : b;

    private static string Seconds(TimeSpan time) => time.TotalSeconds.ToString("0.###", CultureInfo.InvariantCulture);

    private static void DeleteFolder(string folder)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                Directory.Delete(folder, recursive: true);
                return;
            }
            catch (DirectoryNotFoundException)
            {
                return;
            }
            catch (IOException) when (attempt < 3)
            {
                Thread.Sleep(100);
            }
        }
    }
}
