using System.Globalization;

namespace SmarthostLab.Probe.Connectors;

/// <summary>
/// One address space of a connector: <c>[Local:]Type:Address;Cost</c> as Exchange writes it
/// (AddressSpaces of Get-SendConnector, routingList of an Exchange 2003 connector).
/// </summary>
/// <param name="Type">Address type, e.g. SMTP.</param>
/// <param name="Address">Domain pattern, e.g. <c>*</c> or <c>*.contoso.test</c>.</param>
/// <param name="Cost">Routing cost 1–100 (1 when omitted).</param>
/// <param name="IsLocal">True for a <c>Local:</c> (scoped) entry.</param>
public sealed record AddressSpaceEntry(string Type, string Address, int Cost, bool IsLocal = false)
{
    /// <summary>True for an SMTP address space matching every domain.</summary>
    public bool IsSmtpWildcard => Type.Equals("SMTP", StringComparison.OrdinalIgnoreCase) && Address == "*";

    /// <summary>Parses <c>[Local:][Type:]Address[;Cost]</c>; the type defaults to SMTP and the cost to 1.</summary>
    public static bool TryParse(string text, out AddressSpaceEntry entry)
    {
        entry = new AddressSpaceEntry("SMTP", "*", 1);
        var value = text.Trim();
        if (value.Length == 0)
        {
            return false;
        }

        var isLocal = false;
        if (value.StartsWith("Local:", StringComparison.OrdinalIgnoreCase))
        {
            isLocal = true;
            value = value["Local:".Length..];
        }

        var cost = 1;
        var semicolon = value.LastIndexOf(';');
        if (semicolon >= 0 && int.TryParse(value[(semicolon + 1)..].Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var parsedCost))
        {
            cost = parsedCost;
            value = value[..semicolon];
        }

        var type = "SMTP";
        var colon = value.IndexOf(':');
        if (colon > 0)
        {
            type = value[..colon].Trim();
            value = value[(colon + 1)..];
        }

        if (value.Trim().Length == 0)
        {
            return false;
        }

        entry = new AddressSpaceEntry(type, value.Trim(), cost, isLocal);
        return true;
    }

    /// <inheritdoc />
    public override string ToString()
        => $"{(IsLocal ? "Local:" : string.Empty)}{Type}:{Address};{Cost.ToString(CultureInfo.InvariantCulture)}";
}
