using System.Text.Json;
using SmarthostLab.Relay.Admission;
using SmarthostLab.Relay.Storage;

namespace SmarthostLab.Relay.Api.Contracts;

/// <summary>Storage and admission types → API contracts (src/Contracts).</summary>
public static class ContractMapper
{
    /// <summary>A stored message as the API's Message.</summary>
    public static MessageResponse ToResponse(this StoredMessage m)
    {
        // The stored verdict is the contract's Verdict as written through the same context (VerdictJson), so it reads back
        // and writes out unchanged.
        var verdict = m.VerdictJson is { Length: > 0 } json ? JsonSerializer.Deserialize(json, ApiJson.Context.Verdict) : null;
        return new MessageResponse(
            m.Id, m.Account, m.ClientIp, m.Helo,
            m.TlsProtocol is null ? null : new TlsResponse(m.TlsProtocol, m.TlsCipher),
            m.MailFrom, m.MailFromParameters, m.Recipients, m.Size, m.ReceivedAt.UtcDateTime,
            m.Subject, m.MessageId, m.From, m.Quarantined, verdict,
            [.. m.Delivery.Select(d => d.ToResponse())], m.DsnOf, m.AuthenticatedUser);
    }

    /// <summary>A recipient's delivery as the API shows it.</summary>
    public static DeliveryResponse ToResponse(this DeliveryRecord d) =>
        new(d.Recipient, d.State, d.Destination, d.Attempts, d.LastAttempt?.UtcDateTime, d.NextAttempt?.UtcDateTime, d.RemoteHost, d.RemoteAddress, d.LastReply);

    /// <summary>A refusal record as the API's Refusal.</summary>
    public static RefusalResponse ToResponse(this RefusalRecord r) =>
        new(r.Id, r.Time.UtcDateTime, r.ClientIp, r.Helo, r.Stage, r.Reply, r.Reason, r.Account, r.MailFrom, r.Recipient);

    /// <summary>An account as the API shows it.</summary>
    public static AccountResponse ToResponse(this Account a) =>
        new(a.Name, [.. a.OutboundServers.Select(p => p.ToString())], a.Domains,
            a.Options.MailFromPolicy.ToString().ToLowerInvariant(), a.Options.DmarcFailurePolicy.ToString().ToLowerInvariant());
}
