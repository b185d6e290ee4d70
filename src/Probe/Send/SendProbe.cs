using System.Diagnostics;
using System.Globalization;
using System.Net;
using SmarthostLab.Contracts;
using SmarthostLab.Probe.Relay;
using SmarthostLab.Probe.Reporting;

namespace SmarthostLab.Probe.Send;

/// <summary>
/// <c>probe send</c>: submit one tokenized message through an MTA, wait for it at the relay, and
/// report what the relay saw and concluded; when it does not arrive, name the relay's refusal. When the relay
/// sends mail on, wait for its delivery too and report it.
/// </summary>
public static class SendProbe
{
    /// <summary>Runs the probe. Throws <see cref="ProbeException"/> when the MTA or relay cannot be reached.</summary>
    public static async Task<ProbeReport> RunAsync(SendOptions options, CancellationToken cancellationToken)
    {
        using var relay = new RelayClient(options.RelayUrl, options.RelayToken);
        var info = await relay.GetInfoAsync(cancellationToken).ConfigureAwait(false);

        var token = ProbeToken.New();
        var report = new ProbeReport("send", $"{options.From} -> {options.To} via {options.Via}");
        report.Facts["token"] = token;
        report.Facts["via"] = options.Via.ToString();
        report.Facts["relay"] = relay.BaseUri.ToString();
        if (options.Bind is not null)
        {
            report.Facts["bind"] = options.Bind.ToString();
        }

        // Refusals are looked up "since" the start; allow for a little clock skew between hosts.
        var started = DateTimeOffset.UtcNow;
        var since = started.AddSeconds(-5);
        var clock = Stopwatch.StartNew();
        var message = ProbeMessageFactory.Create(options.From, options.To, token, started);
        report.Facts["messageId"] = message.MessageId ?? string.Empty;

        var viaIsRelay = IsRelayEndpoint(options.Via, info);
        var submission = await MessageSubmitter.SubmitAsync(options, message, cancellationToken).ConfigureAwait(false);
        var submissionDetails = new Dictionary<string, string> { ["stage"] = submission.Stage, ["reply"] = submission.Reply };
        if (submission.ProbeTls is not null)
        {
            submissionDetails["probeTls"] = submission.ProbeTls;
        }

        if (!submission.Accepted)
        {
            report.Add(Finding.Fail("submission", $"the MTA at {options.Via} refused the message at {submission.Stage.ToUpperInvariant()}: {submission.Reply}",
                "see the refusal below; if it is the MTA's own rule, allow the probe's address to submit (relay permissions / receive connector)", submissionDetails));
            await AddRefusalAsync(report, relay, options, viaIsRelay, since, "arrived", cancellationToken).ConfigureAwait(false);
            return report;
        }

        report.Add(Finding.Pass("submission", $"the MTA at {options.Via} accepted the message: {submission.Reply}", submissionDetails));

        var (stored, early) = await WaitOrRefusalAsync(relay, token, options, RefusalIp(options, viaIsRelay), since, cancellationToken).ConfigureAwait(false);
        if (early is not null)
        {
            AddRefusal(report, early, 1);
            return report;
        }

        if (stored is null)
        {
            await AddRefusalAsync(report, relay, options, viaIsRelay, since, "arrived", cancellationToken).ConfigureAwait(false);
            return report;
        }

        var seconds = clock.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture);
        report.Facts["relayMessageId"] = stored.Id;
        report.Add(Finding.Pass("arrived", $"the message arrived at the relay after {seconds} s (id {stored.Id})",
            new Dictionary<string, string> { ["seconds"] = seconds, ["id"] = stored.Id }));

        AccountListResponse? accounts = null;
        try
        {
            accounts = await relay.GetAccountsAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (ProbeException ex)
        {
            report.Add(Finding.Info("accounts", $"could not read the relay's accounts: {ex.Message}"));
        }

        foreach (var finding in VerdictFindings.For(stored, accounts, info))
        {
            report.Add(finding);
        }

        if (options.WaitForDelivery)
        {
            var delivered = await WaitForDeliveryAsync(relay, token, stored, options, clock, cancellationToken).ConfigureAwait(false);
            foreach (var finding in DeliveryFindings.For(delivered, options.TimeoutSeconds))
            {
                report.Add(finding);
            }
        }

        return report;
    }

    // Through the relay itself the client IP is ours (--bind); through another MTA it is the MTA's (--mta-ip).
    private static string? RefusalIp(SendOptions options, bool viaIsRelay)
        => (viaIsRelay ? options.Bind : options.MtaIp)?.ToString();

    /// <summary>
    /// When the relay sends <paramref name="stored"/> on and some recipient is still queued or deferred, waits what
    /// remains of the timeout for every recipient to be delivered or to fail for good; the message as it then stands.
    /// </summary>
    private static async Task<MessageResponse> WaitForDeliveryAsync(
        RelayClient relay, string token, MessageResponse stored, SendOptions options, Stopwatch clock, CancellationToken cancellationToken)
    {
        if (!DeliveryFindings.Relays(stored) || DeliveryFindings.Settled(stored))
        {
            return stored;
        }

        var remaining = Math.Max(0, (int)Math.Ceiling(options.TimeoutSeconds - clock.Elapsed.TotalSeconds));
        var done = await relay.WaitAsync(token, DeliveryStates.Delivered, remaining, cancellationToken).ConfigureAwait(false);

        // 404 (not in time): read where each recipient stands now. The wait answers with the newest message carrying the token;
        // should that be another one, the probe's own message is read by its id.
        if (done is not null && done.Id == stored.Id)
        {
            return done;
        }

        return await relay.GetMessageAsync(stored.Id, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Waits for the token at the relay while watching its refusals once a second: a refusal of this
    /// message (same sender or recipient, or the known client IP) ends the wait early.
    /// </summary>
    private static async Task<(MessageResponse? Stored, RefusalResponse? Refusal)> WaitOrRefusalAsync(
        RelayClient relay, string token, SendOptions options, string? ip, DateTimeOffset since, CancellationToken cancellationToken)
    {
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var wait = relay.WaitAsync(token, null, options.TimeoutSeconds, stop.Token);
        var watch = WatchRefusalsAsync(relay, options, ip, since, stop.Token);
        var first = await Task.WhenAny(wait, watch).ConfigureAwait(false);
        if (first == watch && await watch.ConfigureAwait(false) is { } refusal)
        {
            await stop.CancelAsync().ConfigureAwait(false);
            try
            {
                await wait.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // The wait was abandoned on purpose.
            }
            catch (ProbeException)
            {
                // A cancelled wait may surface as a transport error; the refusal is the answer.
            }

            return (null, refusal);
        }

        try
        {
            return (await wait.ConfigureAwait(false), null);
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            try
            {
                await watch.ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // The watcher stops with the wait.
            }
        }
    }

    private static async Task<RefusalResponse?> WatchRefusalsAsync(RelayClient relay, SendOptions options, string? ip, DateTimeOffset since, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
            RefusalListResponse page;
            try
            {
                page = await relay.GetRefusalsAsync(since, ip, cancellationToken).ConfigureAwait(false);
            }
            catch (ProbeException)
            {
                return null;
            }

            var match = page.Refusals.FirstOrDefault(r => Same(r.MailFrom, options.From) || Same(r.Recipient, options.To))
                ?? (ip is null ? null : page.Refusals.FirstOrDefault());
            if (match is not null)
            {
                return match;
            }
        }

        return null;
    }

    private static async Task AddRefusalAsync(ProbeReport report, RelayClient relay, SendOptions options, bool viaIsRelay, DateTimeOffset since, string check, CancellationToken cancellationToken)
    {
        var ip = RefusalIp(options, viaIsRelay);
        var page = await relay.GetRefusalsAsync(since, ip, cancellationToken).ConfigureAwait(false);
        var refusals = page.Refusals;
        var mine = refusals.Where(r => Same(r.MailFrom, options.From) || Same(r.Recipient, options.To)).ToList();
        var refusal = mine.FirstOrDefault() ?? refusals.FirstOrDefault();
        if (refusal is null)
        {
            report.Add(Finding.Fail(check, $"the message did not arrive at the relay within {options.TimeoutSeconds} s and the relay logged no refusal since {since:HH:mm:ss}Z",
                "check that the connector routes to this relay (probe connector lint) and look at the MTA's queue (Exchange: Get-Queue)"));
            return;
        }

        AddRefusal(report, refusal, refusals.Count, check);
    }

    private static void AddRefusal(ProbeReport report, RefusalResponse refusal, int refusalsInWindow, string check = "arrived")
    {
        var details = new Dictionary<string, string>
        {
            ["clientIp"] = refusal.ClientIp,
            ["stage"] = refusal.Stage,
            ["reason"] = refusal.Reason,
            ["reply"] = refusal.Reply,
        };
        if (refusalsInWindow > 1)
        {
            details["refusalsInWindow"] = refusalsInWindow.ToString(CultureInfo.InvariantCulture);
        }

        report.Add(Finding.Fail(check, $"the message did not arrive: {RefusalExplainer.Explain(refusal)}", RefusalExplainer.Fix(refusal), details));
    }

    private static bool Same(string? a, string b) => a is not null && a.Trim('<', '>').Equals(b, StringComparison.OrdinalIgnoreCase);

    private static bool IsRelayEndpoint(SmtpEndpoint via, InfoResponse info)
    {
        foreach (var endpoint in info.Smtp)
        {
            if (endpoint.Endpoint is null)
            {
                continue;
            }

            SmtpEndpoint listed;
            try
            {
                listed = SmtpEndpoint.Parse(endpoint.Endpoint);
            }
            catch (ProbeException)
            {
                continue;
            }

            if (listed.Port != via.Port)
            {
                continue;
            }

            if (listed.Host.Equals(via.Host, StringComparison.OrdinalIgnoreCase)
                || (IPAddress.TryParse(listed.Host, out var l) && (IPAddress.Any.Equals(l) || IPAddress.IPv6Any.Equals(l)))
                || (IPAddress.TryParse(via.Host, out var v) && IPAddress.TryParse(listed.Host, out var h) && IPAddress.IsLoopback(v) && IPAddress.IsLoopback(h)))
            {
                return true;
            }
        }

        return false;
    }
}
