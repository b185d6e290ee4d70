using System.Globalization;

namespace SmarthostLab.Probe.Connectors;

/// <summary>
/// Reads Exchange property values as the exports write them: booleans as true/True/1,
/// enums as names or as their numbers (ConvertTo-Json in Windows PowerShell writes numbers,
/// a remote Exchange Management Shell session writes names).
/// </summary>
public static class ExchangeValues
{
    /// <summary>Parses a boolean written as true/false, $true/$false, 1/0 or yes/no.</summary>
    public static bool? ParseBool(string? text)
    {
        var value = text?.Trim().TrimStart('$');
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        if (bool.TryParse(value, out var b))
        {
            return b;
        }

        return value.ToLowerInvariant() switch
        {
            "1" or "yes" => true,
            "0" or "no" => false,
            _ => null,
        };
    }

    /// <summary>Parses SmartHostAuthMechanism by name or number (AuthMechanisms: None 0, BasicAuth 2, BasicAuthRequireTLS 4, ExchangeServer 8, ExternalAuthoritative 16).</summary>
    public static SmartHostAuth? ParseAuthMechanism(string? text)
    {
        var value = text?.Trim();
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        if (int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var number))
        {
            return number switch
            {
                0 => SmartHostAuth.None,
                2 => SmartHostAuth.BasicAuth,
                4 => SmartHostAuth.BasicAuthRequireTLS,
                8 => SmartHostAuth.ExchangeServer,
                16 => SmartHostAuth.ExternalAuthoritative,
                _ => null,
            };
        }

        return value.ToLowerInvariant() switch
        {
            "none" => SmartHostAuth.None,
            "basicauth" => SmartHostAuth.BasicAuth,
            "basicauthrequiretls" => SmartHostAuth.BasicAuthRequireTLS,
            "exchangeserver" => SmartHostAuth.ExchangeServer,
            "externalauthoritative" => SmartHostAuth.ExternalAuthoritative,
            _ => null,
        };
    }

    /// <summary>Parses TlsAuthLevel by name or number (EncryptionOnly 1, CertificateValidation 2, DomainValidation 4); null when unset.</summary>
    public static string? ParseTlsAuthLevel(string? text)
    {
        var value = text?.Trim();
        if (string.IsNullOrEmpty(value))
        {
            return null;
        }

        return value switch
        {
            "1" => "EncryptionOnly",
            "2" => "CertificateValidation",
            "4" => "DomainValidation",
            _ => value,
        };
    }

    /// <summary>Parses an integer written in decimal.</summary>
    public static int? ParseInt(string? text)
        => int.TryParse(text?.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) ? n : null;

    /// <summary>
    /// The server name of an Active Directory reference: the Name of an ADObjectId, the CN of a
    /// server DN, or the server CN of an SMTP virtual server DN (<c>CN=1,CN=SMTP,CN=Protocols,CN=EX01,…</c>).
    /// </summary>
    public static string ServerNameFromReference(string reference)
    {
        var value = reference.Trim();
        if (!value.Contains('=', StringComparison.Ordinal))
        {
            return value;
        }

        var parts = value.Split(',', StringSplitOptions.TrimEntries);
        for (var i = 0; i + 1 < parts.Length; i++)
        {
            if (parts[i].Equals("CN=Protocols", StringComparison.OrdinalIgnoreCase) && parts[i + 1].StartsWith("CN=", StringComparison.OrdinalIgnoreCase))
            {
                return parts[i + 1][3..];
            }
        }

        return parts[0].StartsWith("CN=", StringComparison.OrdinalIgnoreCase) ? parts[0][3..] : value;
    }

    /// <summary>Normalizes a smart host for comparison: lower case, IP literal brackets removed.</summary>
    public static string NormalizeHost(string host)
        => host.Trim().Trim('[', ']').TrimEnd('.').ToLowerInvariant();
}
