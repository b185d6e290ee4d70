using System.Text;
using SmarthostLab.Verification.AuthResults;

namespace SmarthostLab.Verification;

/// <summary>Everything verification found about one message, and the Authentication-Results header for it.</summary>
/// <param name="Spf">SPF for the egress address (DMARC's).</param>
/// <param name="SpfClient">SPF for the client IP.</param>
/// <param name="SpfHelo">SPF for the HELO identity alone, when evaluated.</param>
/// <param name="Dkim">One entry per DKIM-Signature, in header order; empty when unsigned.</param>
/// <param name="Dmarc">DMARC.</param>
/// <param name="AuthServId">The authserv-id used in <paramref name="AuthenticationResults"/>.</param>
/// <param name="AuthenticationResults">The complete RFC 8601 header field, "Authentication-Results: …\r\n", CRLF-folded.</param>
public sealed record VerificationResult(
    SpfVerdict Spf,
    SpfVerdict SpfClient,
    SpfVerdict? SpfHelo,
    IReadOnlyList<DkimVerdict> Dkim,
    DmarcVerdict Dmarc,
    string AuthServId,
    string AuthenticationResults)
{
    /// <summary>The verdict to store and return, with the action the account's policy chose.</summary>
    public Verdict ToVerdict(VerdictAction action) => new(Spf, SpfClient, SpfHelo, Dkim, Dmarc, action);

    /// <summary>True when a DNS failure (temperror) decided the outcome: DMARC temperror, or SPF/DKIM temperror without a DMARC pass.</summary>
    public bool HasTemporaryError =>
        Dmarc.Result == DmarcResult.TempError
        || (Dmarc.Result != DmarcResult.Pass && (Spf.Result == SpfResult.TempError || Dkim.Any(d => d.Result == DkimResult.TempError)));

    /// <summary>
    /// The message to store: <see cref="AuthenticationResults"/> prepended, and any incoming
    /// Authentication-Results claiming <see cref="AuthServId"/> removed (RFC 8601 5); the rest byte-exact.
    /// </summary>
    public byte[] Stamp(ReadOnlyMemory<byte> message)
    {
        var body = AuthenticationResultsFilter.RemoveOwn(message, AuthServId, out _);
        var header = Encoding.ASCII.GetBytes(AuthenticationResults);
        var output = new byte[header.Length + body.Length];
        header.CopyTo(output, 0);
        body.Span.CopyTo(output.AsSpan(header.Length));
        return output;
    }
}
