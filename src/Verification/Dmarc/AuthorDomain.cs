using MimeKit;

namespace SmarthostLab.Verification.Dmarc;

/// <summary>
/// The RFC5322.From domain DMARC evaluates (RFC 7489 3.1, 6.6.1). Zero From fields, several From
/// fields, addresses with different domains, or an unparseable From give no domain and a reason:
/// RFC 7489 6.6.1 says such messages are "typically rejected", and this relay reports them as
/// DMARC permerror rather than evaluating each domain. Several addresses in one domain are fine.
/// </summary>
/// <param name="Domain">Lower-case domain (IDN as A-labels), or null with <paramref name="Error"/>.</param>
/// <param name="Error">Why there is no single domain.</param>
public sealed record AuthorDomain(string? Domain, string? Error)
{
    private static readonly ParserOptions Parser = CreateParser();

    /// <summary>Extracts the From domain of <paramref name="message"/>.</summary>
    public static AuthorDomain From(MimeMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return From(message.Headers);
    }

    /// <summary>Extracts the From domain from a parsed header section.</summary>
    public static AuthorDomain From(IEnumerable<Header> headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        var froms = headers.Where(h => h.Id == HeaderId.From).ToList();
        if (froms.Count == 0)
        {
            return new(null, "no From header");
        }

        if (froms.Count > 1)
        {
            return new(null, "several From headers");
        }

        if (!InternetAddressList.TryParse(Parser, froms[0].RawValue, out var list))
        {
            return new(null, "unparseable From header");
        }

        var domains = list.Mailboxes.Select(m => Normalize(m.Domain)).Distinct(StringComparer.Ordinal).ToList();
        return domains.Count switch
        {
            0 => new(null, "From header has no address"),
            1 when domains[0].Length == 0 => new(null, "From address has no domain"),
            1 => new(domains[0], null),
            _ => new(null, "From header has addresses in several domains"),
        };
    }

    private static string Normalize(string? domain)
    {
        var d = (domain ?? string.Empty).Trim().TrimEnd('.').ToLowerInvariant();
        if (d.Length == 0 || System.Text.Ascii.IsValid(d))
        {
            return d;
        }

        try
        {
            return new System.Globalization.IdnMapping().GetAscii(d);
        }
        catch (ArgumentException)
        {
            return d;
        }
    }

    private static ParserOptions CreateParser()
    {
        var options = ParserOptions.Default.Clone();
        options.AddressParserComplianceMode = RfcComplianceMode.Loose;
        options.AllowAddressesWithoutDomain = true;
        return options;
    }
}
