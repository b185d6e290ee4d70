using System.Globalization;
using SmarthostLab.Contracts;
using SmarthostLab.Probe.Reporting;

namespace SmarthostLab.Probe.Send;

/// <summary>
/// Turns the relay's onward delivery of the probe message (issue 13, <see cref="MessageResponse.Delivery"/>) into
/// <c>delivered</c> lines, one per recipient the relay sends on: delivered passes; bounced, expired, and still
/// queued or deferred when the wait ended fail (a run that asks for delivery and does not get it within
/// <c>--timeout</c> must fail CI); a relay that keeps everything (Delivery:Mode=Store) gets one note.
/// </summary>
public static class DeliveryFindings
{
    /// <summary>The check id.</summary>
    public const string Check = "delivered";

    /// <summary>True when the relay sends <paramref name="message"/> on: some recipient is not <see cref="DeliveryStates.Stored"/>.</summary>
    public static bool Relays(MessageResponse message) => message.Delivery.Any(d => d.State != DeliveryStates.Stored);

    /// <summary>True when no recipient is queued or deferred any more: waiting longer changes nothing.</summary>
    public static bool Settled(MessageResponse message) => !message.Delivery.Any(Pending);

    /// <summary>
    /// Findings for <paramref name="message"/> as it stood when the wait for delivery ended; <paramref name="timeoutSeconds"/>
    /// is the budget named when a recipient is still pending. None for a relay that reports no delivery (before issue 13).
    /// </summary>
    public static IEnumerable<Finding> For(MessageResponse message, int timeoutSeconds)
    {
        if (message.Delivery.Count == 0)
        {
            yield break;
        }

        if (!Relays(message))
        {
            yield return Finding.Info(Check, "the relay keeps messages (Delivery:Mode=Store); nothing was sent on");
            yield break;
        }

        var sent = message.Delivery.Where(d => d.State != DeliveryStates.Stored).ToList();
        foreach (var delivery in sent)
        {
            yield return One(delivery, sent.Count > 1, timeoutSeconds);
        }
    }

    private static Finding One(DeliveryResponse delivery, bool nameRecipient, int timeoutSeconds)
    {
        var recipient = delivery.Recipient;
        var reply = Reply(delivery);
        var details = Details(delivery);
        return delivery.State switch
        {
            DeliveryStates.Delivered => Finding.Pass(Check,
                $"{(nameRecipient ? recipient + ": " : string.Empty)}the relay delivered it to {Hop(delivery)} after {Attempts(delivery.Attempts)}: {reply}", details),
            DeliveryStates.Bounced => Finding.Fail(Check,
                $"not delivered to {recipient}: bounced by {Hop(delivery)} after {Attempts(delivery.Attempts)}: {reply}",
                "the next hop refused it for good: check the recipient address and the next hop's rules for mail from the relay", details),
            DeliveryStates.Expired => Finding.Fail(Check,
                $"not delivered to {recipient}: expired after {Attempts(delivery.Attempts)}: {reply}",
                "the relay kept trying until its queue lifetime (Delivery:MaxQueueLifetime) ran out: make the next hop (Delivery:NextHop or the domain's MX) accept the relay's connections", details),
            DeliveryStates.Queued or DeliveryStates.Deferred => Finding.Fail(Check,
                $"not delivered to {recipient} within {timeoutSeconds.ToString(CultureInfo.InvariantCulture)} s: {StillPending(delivery, reply)}",
                $"see why the relay waits (GET /api/v1/queue lists deferred recipients) and that it reaches {delivery.Destination ?? "the next hop"}; raise --timeout for a slow next hop, or pass --no-delivery to skip this check", details),
            _ => Finding.Warn(Check, $"{recipient}: the relay reports the delivery state '{delivery.State}', which this probe does not know",
                "use a probe as new as the relay", details),
        };
    }

    private static bool Pending(DeliveryResponse delivery) => delivery.State is DeliveryStates.Queued or DeliveryStates.Deferred;

    /// <summary>"deferred after 2 attempts: 451 4.3.0 try again later; next attempt at 11:09:00Z", or "queued, no attempt yet; …".</summary>
    private static string StillPending(DeliveryResponse delivery, string reply)
    {
        var state = delivery.State;
        var what = delivery.Attempts == 0 ? $"{state}, no attempt yet" : $"{state} after {Attempts(delivery.Attempts)}: {reply}";
        return delivery.NextAttemptAt is { } next
            ? $"{what}; next attempt at {next.ToUniversalTime().ToString("HH:mm:ss", CultureInfo.InvariantCulture)}Z"
            : what;
    }

    /// <summary>The next hop as the relay's own log names it: <c>host[address:port]</c>, else the destination key.</summary>
    private static string Hop(DeliveryResponse delivery) => (delivery.RemoteHost, delivery.RemoteAddress) switch
    {
        ({ } host, { } address) => $"{host}[{address}]",
        (null, { } address) => $"[{address}]",
        ({ } host, null) => host,
        _ => delivery.Destination ?? "the next hop",
    };

    private static string Attempts(int attempts) => attempts == 1 ? "1 attempt" : $"{attempts.ToString(CultureInfo.InvariantCulture)} attempts";

    private static string Reply(DeliveryResponse delivery) => string.IsNullOrWhiteSpace(delivery.LastReply) ? "no reply recorded" : delivery.LastReply.Trim();

    private static Dictionary<string, string> Details(DeliveryResponse delivery)
    {
        var details = new Dictionary<string, string>
        {
            ["recipient"] = delivery.Recipient,
            ["state"] = delivery.State,
            ["attempts"] = delivery.Attempts.ToString(CultureInfo.InvariantCulture),
        };
        Add(details, "destination", delivery.Destination);
        Add(details, "remoteHost", delivery.RemoteHost);
        Add(details, "remoteAddress", delivery.RemoteAddress);
        Add(details, "lastReply", delivery.LastReply);
        Add(details, "lastAttemptAt", delivery.LastAttemptAt?.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture));
        Add(details, "nextAttemptAt", delivery.NextAttemptAt?.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture));
        return details;
    }

    private static void Add(Dictionary<string, string> details, string key, string? value)
    {
        if (!string.IsNullOrEmpty(value))
        {
            details[key] = value;
        }
    }
}
