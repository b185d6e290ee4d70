using System.Net;

namespace SmarthostLab.Verification;

/// <summary>
/// The SPF evaluations of one transaction, started at MAIL FROM by
/// <see cref="MessageVerifier.StartSpf"/> and awaited at end of data by
/// <see cref="MessageVerifier.VerifyAsync(ReadOnlyMemory{byte}, SpfChecks, CancellationToken)"/>,
/// so their DNS time overlaps the DATA transfer. The tasks never fault for DNS reasons (they give
/// temperror); cancelling the token passed to StartSpf cancels them.
/// </summary>
public sealed class SpfChecks
{
    internal SpfChecks(IPAddress clientIp, string helo, string mailFrom, IPAddress egressIp, Task<SpfVerdict> egress, Task<SpfVerdict> client, Task<SpfVerdict>? heloCheck)
    {
        ClientIp = clientIp;
        Helo = helo;
        MailFrom = mailFrom;
        EgressIp = egressIp;
        Egress = egress;
        Client = client;
        HeloCheck = heloCheck;
    }

    /// <summary>The SMTP client's address.</summary>
    public IPAddress ClientIp { get; }

    /// <summary>The client's HELO/EHLO name.</summary>
    public string Helo { get; }

    /// <summary>The MAIL FROM address ("" for the null sender).</summary>
    public string MailFrom { get; }

    /// <summary>The address the egress evaluation used (the first configured egress address, or the client IP when none is configured).</summary>
    public IPAddress EgressIp { get; }

    /// <summary>SPF for <see cref="EgressIp"/> with the relay's name as HELO (what DMARC uses).</summary>
    public Task<SpfVerdict> Egress { get; }

    /// <summary>SPF for the client IP with the client's HELO.</summary>
    public Task<SpfVerdict> Client { get; }

    /// <summary>SPF for the HELO identity alone (RFC 7208 2.3), when <see cref="VerificationOptions.CheckHelo"/> is on.</summary>
    public Task<SpfVerdict>? HeloCheck { get; }
}
