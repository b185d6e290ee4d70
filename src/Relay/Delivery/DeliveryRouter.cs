using Microsoft.Extensions.Options;
using SmarthostLab.Relay.Admission;
using SmarthostLab.Relay.Configuration;
using SmarthostLab.Relay.Storage;

namespace SmarthostLab.Relay.Delivery;

/// <summary>
/// Decides where a message's recipients go (issue 13): the account's <c>Delivery</c> settings over the global ones;
/// <see cref="DeliveryMode.Store"/> keeps it, <see cref="DeliveryMode.NextHop"/> sends every recipient to one next hop,
/// <see cref="DeliveryMode.Mx"/> groups recipients by domain. Recipients of one destination form one job (one SMTP
/// transaction with many RCPTs).
/// </summary>
public sealed class DeliveryRouter
{
    private readonly DeliveryOptions _options;
    private readonly AccountRegistry _accounts;

    /// <summary>Creates the router.</summary>
    public DeliveryRouter(IOptions<DeliveryOptions> options, AccountRegistry accounts)
    {
        _options = options.Value;
        _accounts = accounts;
    }

    /// <summary>The mode and next hop that apply to <paramref name="account"/>'s mail.</summary>
    public (DeliveryMode Mode, string? NextHop) RouteOf(string? account)
    {
        var own = account is null ? null : _accounts.Get(account)?.Options.Delivery;
        var mode = own?.Mode ?? _options.Mode;
        var nextHop = string.IsNullOrWhiteSpace(own?.NextHop) ? _options.NextHop : own.NextHop;
        return (mode, nextHop);
    }

    /// <summary>The queue entries of a new message by its account's route; empty in Store mode.</summary>
    public IReadOnlyList<OutboundJob> Plan(StoredMessage message, bool isDsn = false)
    {
        var (mode, nextHop) = RouteOf(message.Account);
        return mode switch
        {
            DeliveryMode.NextHop => Plan(message, _ => Destination.NextHop(nextHop!), isDsn),
            DeliveryMode.Mx => Plan(message, MxOf, isDsn),
            _ => [],
        };
    }

    /// <summary>The queue entries that send every recipient of <paramref name="message"/> to <paramref name="nextHop"/> (release).</summary>
    public static IReadOnlyList<OutboundJob> PlanTo(StoredMessage message, string nextHop) =>
        Plan(message, _ => Destination.NextHop(nextHop), message.DsnOf is not null, pinned: true);

    /// <summary>Where the configured route sends <paramref name="recipient"/> of <paramref name="account"/>'s mail; null in Store mode.</summary>
    public string? DestinationOf(string? account, string recipient)
    {
        var (mode, nextHop) = RouteOf(account);
        return mode switch
        {
            DeliveryMode.NextHop => Destination.NextHop(nextHop!),
            DeliveryMode.Mx => MxOf(recipient),
            _ => null,
        };
    }

    /// <summary>The MX destination of an address; one without a domain (RCPT TO:&lt;postmaster&gt;) keeps its text and bounces when resolved.</summary>
    private static string MxOf(string address)
    {
        try
        {
            return Destination.Mx(address);
        }
        catch (ArgumentException)
        {
            return "mx:" + address.ToLowerInvariant();
        }
    }

    private static List<OutboundJob> Plan(StoredMessage message, Func<string, string> destinationOf, bool isDsn, bool pinned = false)
    {
        var jobs = new List<OutboundJob>();
        var byDestination = new Dictionary<string, OutboundJob>(StringComparer.Ordinal);
        for (var i = 0; i < message.Recipients.Count; i++)
        {
            var address = message.Recipients[i];
            var destination = destinationOf(address);
            if (!byDestination.TryGetValue(destination, out var job))
            {
                job = new OutboundJob
                {
                    MessageId = message.Id,
                    Account = message.Account,
                    MailFrom = message.MailFrom,
                    MailFromParameters = message.MailFromParameters,
                    ReceivedAt = message.ReceivedAt,
                    Destination = destination,
                    Recipients = [],
                    IsDsn = isDsn,
                    Pinned = pinned,
                };
                byDestination[destination] = job;
                jobs.Add(job);
            }
            job.Recipients.Add(new OutboundRecipientEntry { Index = i, Address = address, Parameters = message.ParametersOf(i), NextAttempt = message.ReceivedAt });
        }
        return jobs;
    }
}
