namespace SmarthostLab.Verification;

/// <summary>
/// The SPF evaluations of one transaction, started at MAIL FROM by
/// <see cref="MessageVerifier.StartSpf"/> and awaited at end of data by
/// <see cref="MessageVerifier.VerifyAsync(Stream, SpfChecks, CancellationToken)"/>,
/// so their DNS time overlaps the DATA transfer. The tasks never fault for DNS reasons (they give
/// temperror); cancelling the token passed to StartSpf cancels them.
/// </summary>
public sealed class SpfChecks
{
    internal SpfChecks(Task<SpfVerdict> egress, Task<SpfVerdict> client, Task<SpfVerdict>? heloCheck)
    {
        Egress = egress;
        Client = client;
        HeloCheck = heloCheck;
    }

    /// <summary>SPF for the egress address (the first configured one, or the client IP when none is) with the relay's name as HELO (what DMARC uses).</summary>
    public Task<SpfVerdict> Egress { get; }

    /// <summary>SPF for the client IP with the client's HELO.</summary>
    public Task<SpfVerdict> Client { get; }

    /// <summary>SPF for the HELO identity alone (RFC 7208 2.3), when <see cref="VerificationOptions.CheckHelo"/> is on.</summary>
    public Task<SpfVerdict>? HeloCheck { get; }
}
