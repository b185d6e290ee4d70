using Microsoft.Extensions.Options;
using SmarthostLab.Relay.Configuration;
using SmarthostLab.Relay.Session;
using SmarthostLab.Relay.Storage;
using SmarthostLab.Smtp.Client;
using SmarthostLab.Smtp.Protocol;

namespace SmarthostLab.Relay.Delivery;

/// <summary>
/// Decides which final outcomes get a delivery status notification (RFC 3461 4.1: NOTIFY; failures by default, never
/// for NOTIFY=NEVER nor for a null-sender message; success only when asked and the next hop did not take the DSN
/// responsibility on, i.e. did not offer DSN: Action relayed) and makes the DSN a stored message from the null sender
/// to the envelope sender, linked to the original and routed like any other mail of its account.
/// </summary>
public sealed class DsnFactory
{
    private readonly DeliveryRouter _router;
    private readonly DeliveryOptions _options;
    private readonly string _hostName;

    /// <summary>Creates the factory.</summary>
    public DsnFactory(DeliveryRouter router, IOptions<DeliveryOptions> options, RelayHostName hostName)
    {
        _router = router;
        _options = options.Value;
        _hostName = hostName.Value;
    }

    /// <summary>The DSN for <paramref name="notices"/> of one attempt of <paramref name="job"/>, or null when none is due.</summary>
    internal NewMessage? Create(OutboundJob job, IReadOnlyList<(OutboundRecipientEntry Recipient, RecipientOutcome Outcome, string State)> notices,
        SmtpClientConnection? connection, byte[]? original, DateTimeOffset now)
    {
        if (job.MailFrom.Length == 0 || job.IsDsn) return null;
        var nextHopHasDsn = connection?.Capabilities.HasFlag(SmtpClientCapabilities.Dsn) == true;
        var recipients = new List<DsnRecipient>();
        foreach (var (recipient, outcome, state) in notices)
        {
            var (notify, orcpt) = Parse(recipient.Parameters);
            DsnAction action;
            if (state == DeliveryStates.Delivered)
            {
                if (!notify.HasFlag(DsnNotify.Success) || nextHopHasDsn || !_options.SuccessNotifications) continue;
                action = DsnAction.Relayed;
            }
            else
            {
                if (notify.HasFlag(DsnNotify.Never) || (notify != DsnNotify.None && !notify.HasFlag(DsnNotify.Failure))) continue;
                action = DsnAction.Failed;
            }
            recipients.Add(new DsnRecipient(recipient.Address, orcpt, action, outcome.Status,
                outcome.Reply is null ? null : connection?.RemoteHostName, outcome.Reply, now, outcome.Reason));
        }
        if (recipients.Count == 0) return null;
        var needs = MessageNeeds.Of(job.MailFromParameters, ReadOnlySpan<byte>.Empty);
        var id = QueueId.New(now);
        // The DSN's Message-ID carries its queue id, so the stored metadata (API messageId, token search) matches the header.
        var request = new DsnRequest(_hostName, job.MessageId, job.MailFrom, needs.EnvelopeId, needs.Ret == "FULL", job.ReceivedAt,
            recipients, original ?? [], now, _hostName, id);
        var bytes = DsnWriter.Write(request);
        var subject = DsnWriter.Subject(request);
        var from = $"Mail Delivery System <MAILER-DAEMON@{_hostName}>";
        var eightBit = bytes.AsSpan().IndexOfAnyInRange((byte)0x80, (byte)0xFF) >= 0;
        var metadata = new StoredMessage
        {
            Id = id,
            Account = job.Account,
            ClientIp = "",
            MailFrom = "",
            MailFromParameters = eightBit ? "BODY=8BITMIME" : "",
            Recipients = [job.MailFrom],
            Size = bytes.LongLength,
            ReceivedAt = now,
            Subject = subject,
            MessageId = $"<{id}@{_hostName}>",
            From = from,
            DsnOf = job.MessageId,
        };
        return new NewMessage(metadata, bytes, "", $"Subject: {subject}\nFrom: {from}\nX-Original-Queue-Id: {job.MessageId}")
        {
            Outbound = _router.Plan(metadata, isDsn: true),
        };
    }

    private static (DsnNotify Notify, string? Orcpt) Parse(string? parameters)
    {
        var notify = DsnNotify.None;
        string? orcpt = null;
        foreach (var (keyword, value) in EsmtpParameter.Split(parameters))
        {
            if (keyword == "NOTIFY") DsnParameters.TryParseNotify(value, out notify);
            else if (keyword == "ORCPT") orcpt = value;
        }
        return (notify, orcpt);
    }
}
