using System.Diagnostics;
using System.Globalization;
using System.Net;
using SmarthostLab.Probe.Relay;
using SmarthostLab.Probe.Reporting;

namespace SmarthostLab.Probe.Send;

/// <summary>
/// <c>probe send</c>: submit one tokenized message through an MTA, wait for it at the relay, and
/// report what the relay saw and concluded; when it does not arrive, name the relay's refusal.
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

        var stored = await relay.WaitAsync(token, options.TimeoutSeconds, cancellationToken).ConfigureAwait(false);
        if (stored is null)
        {
            await AddRefusalAsync(report, relay, options, viaIsRelay, since, "arrived", cancellationToken).ConfigureAwait(false);
            return report;
        }

        var seconds = clock.Elapsed.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture);
        report.Facts["relayMessageId"] = stored.Id ?? string.Empty;
        report.Add(Finding.Pass("arrived", $"the message arrived at the relay after {seconds} s (id {stored.Id})",
            new Dictionary<string, string> { ["seconds"] = seconds, ["id"] = stored.Id ?? string.Empty }));

        RelayAccountList? accounts = null;
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

        return report;
    }

    private static async Task AddRefusalAsync(ProbeReport report, RelayClient relay, SendOptions options, bool viaIsRelay, DateTimeOffset since, string check, CancellationToken cancellationToken)
    {
        // Through the relay itself the client IP is ours (--bind); through another MTA it is the MTA's.
        var ip = viaIsRelay ? options.Bind?.ToString() : null;
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

        var details = new Dictionary<string, string>
        {
            ["clientIp"] = refusal.ClientIp ?? string.Empty,
            ["stage"] = refusal.Stage ?? string.Empty,
            ["reason"] = refusal.Reason ?? string.Empty,
            ["reply"] = refusal.Reply ?? string.Empty,
        };
        if (refusals.Count > 1)
        {
            details["refusalsInWindow"] = refusals.Count.ToString(CultureInfo.InvariantCulture);
        }

        report.Add(Finding.Fail(check, $"the message did not arrive: {RefusalExplainer.Explain(refusal)}", RefusalExplainer.Fix(refusal), details));
    }

    private static bool Same(string? a, string b) => a is not null && a.Trim('<', '>').Equals(b, StringComparison.OrdinalIgnoreCase);

    private static bool IsRelayEndpoint(SmtpEndpoint via, RelayInfo info)
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
