namespace SmarthostLab.Verification.Spf;

/// <summary>Domain-name checks of RFC 7208 4.3 and 4.8 (labels, lengths, trailing dots).</summary>
internal static class SpfDomainName
{
    /// <summary>Removes one trailing dot.</summary>
    public static string TrimDot(string name) => name.EndsWith('.') ? name[..^1] : name;

    /// <summary>
    /// True when <paramref name="name"/> (no trailing dot) can be asked of DNS: 1..253 characters,
    /// labels of 1..63 characters, and at least two labels (RFC 7208 4.3 "multi-label").
    /// </summary>
    public static bool IsValid(string name, bool requireMultiLabel = true)
    {
        if (name.Length is 0 or > 253)
        {
            return false;
        }

        var labels = 0;
        var start = 0;
        for (var i = 0; i <= name.Length; i++)
        {
            if (i < name.Length && name[i] != '.')
            {
                continue;
            }

            var length = i - start;
            if (length is 0 or > 63)
            {
                return false;
            }

            labels++;
            start = i + 1;
        }

        return !requireMultiLabel || labels >= 2;
    }

    /// <summary>
    /// Expanded target names longer than 253 characters lose labels from the left until they fit
    /// (RFC 7208 7.3); one trailing dot is removed.
    /// </summary>
    public static string ToQueryName(string expanded)
    {
        var name = TrimDot(expanded);
        while (name.Length > 253)
        {
            var dot = name.IndexOf('.');
            if (dot < 0)
            {
                break;
            }

            name = name[(dot + 1)..];
        }

        return name;
    }

    /// <summary>True when <paramref name="name"/> equals <paramref name="domain"/> or is a subdomain of it (case-insensitive).</summary>
    public static bool IsSameOrSubdomain(string name, string domain)
    {
        name = TrimDot(name);
        domain = TrimDot(domain);
        if (name.Length == domain.Length)
        {
            return name.Equals(domain, StringComparison.OrdinalIgnoreCase);
        }

        return name.Length > domain.Length
            && name[name.Length - domain.Length - 1] == '.'
            && name.EndsWith(domain, StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>
    /// The check for the initial domain (RFC 7208 4.3): a valid multi-label name whose last label is
    /// a toplabel (not all digits), so domain literals and IP addresses give "none".
    /// </summary>
    public static bool IsValidIdentity(string name)
    {
        if (!IsValid(name))
        {
            return false;
        }

        var top = name.AsSpan(name.LastIndexOf('.') + 1);
        var hasLetter = false;
        foreach (var c in top)
        {
            if (char.IsAsciiLetter(c) || c == '-')
            {
                hasLetter = true;
            }
            else if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return hasLetter;
    }
}
