using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace SmarthostLab.Verification.Spf;

/// <summary>The RFC 7208 section 12 grammar for records, terms and domain-specs, one method per rule.</summary>
internal static class SpfRecordParser
{
    /// <summary>record = version terms *SP; terms = *( 1*SP ( directive / modifier ) ) (RFC 7208 4.5, 4.6.1).</summary>
    public static bool TryParse(string text, out SpfRecord? record, out string? error)
    {
        record = null;
        if (!SpfRecord.IsSpfRecord(text))
        {
            error = "record does not start with \"v=spf1\"";
            return false;
        }

        var mechanisms = new List<SpfMechanism>();
        var unknown = new List<SpfModifier>();
        SpfModifier? redirect = null;
        SpfModifier? explanation = null;
        var rest = text.AsSpan(6);
        var offset = 6;
        while (!rest.IsEmpty)
        {
            var space = rest.IndexOf(' ');
            var length = space < 0 ? rest.Length : space;
            if (length > 0)
            {
                var term = text.Substring(offset, length);
                if (!TryParseTerm(term, mechanisms, unknown, ref redirect, ref explanation, out error))
                {
                    return false;
                }
            }

            var step = space < 0 ? rest.Length : space + 1;
            rest = rest[step..];
            offset += step;
        }

        record = new SpfRecord(text, mechanisms, redirect, explanation, unknown);
        error = null;
        return true;
    }

    private static bool TryParseTerm(
        string term,
        List<SpfMechanism> mechanisms,
        List<SpfModifier> unknown,
        ref SpfModifier? redirect,
        ref SpfModifier? explanation,
        out string? error)
    {
        var span = term.AsSpan();
        var qualifier = SpfResult.Pass;
        var hasQualifier = true;
        switch (span[0])
        {
            case '+': qualifier = SpfResult.Pass; break;
            case '-': qualifier = SpfResult.Fail; break;
            case '~': qualifier = SpfResult.SoftFail; break;
            case '?': qualifier = SpfResult.Neutral; break;
            default: hasQualifier = false; break;
        }

        var body = hasQualifier ? span[1..] : span;
        var nameLength = 0;
        while (nameLength < body.Length && (char.IsAsciiLetterOrDigit(body[nameLength]) || body[nameLength] is '-' or '_' or '.'))
        {
            nameLength++;
        }

        var name = body[..nameLength];
        var after = body[nameLength..];

        // modifier = redirect / explanation / unknown-modifier; name = ALPHA *( ALPHA / DIGIT / "-" / "_" / "." )
        if (!after.IsEmpty && after[0] == '=')
        {
            if (hasQualifier || nameLength == 0 || !char.IsAsciiLetter(name[0]))
            {
                error = $"invalid modifier '{term}'";
                return false;
            }

            var valueText = after[1..];
            var isRedirect = name.Equals("redirect", StringComparison.OrdinalIgnoreCase);
            var isExp = name.Equals("exp", StringComparison.OrdinalIgnoreCase);
            if (!SpfMacroString.TryParse(valueText, null, false, out var value, out error))
            {
                error = $"{error} in '{term}'";
                return false;
            }

            if ((isRedirect || isExp) && !IsDomainSpec(value!, out error))
            {
                error = $"{error} in '{term}'";
                return false;
            }

            var modifier = new SpfModifier(name.ToString(), value!, term);
            if (isRedirect)
            {
                if (redirect is not null)
                {
                    error = "more than one redirect= modifier";
                    return false;
                }

                redirect = modifier;
            }
            else if (isExp)
            {
                if (explanation is not null)
                {
                    error = "more than one exp= modifier";
                    return false;
                }

                explanation = modifier;
            }
            else
            {
                unknown.Add(modifier);
            }

            error = null;
            return true;
        }

        if (!TryMechanismKind(name, out var kind))
        {
            error = $"unknown mechanism '{term}'";
            return false;
        }

        SpfMacroString? domainSpec = null;
        IPAddress? network = null;
        var cidr4 = 32;
        var cidr6 = 128;
        switch (kind)
        {
            case SpfMechanismKind.All:
                if (!after.IsEmpty)
                {
                    error = $"invalid mechanism '{term}'";
                    return false;
                }

                break;

            case SpfMechanismKind.Include or SpfMechanismKind.Exists:
                if (after.Length < 2 || after[0] != ':')
                {
                    error = $"'{term}' needs a domain";
                    return false;
                }

                if (!TryDomainSpec(after[1..], out domainSpec, out error))
                {
                    error = $"{error} in '{term}'";
                    return false;
                }

                break;

            case SpfMechanismKind.Ptr:
                if (!after.IsEmpty && (after.Length < 2 || after[0] != ':' || !TryDomainSpec(after[1..], out domainSpec, out _)))
                {
                    error = $"invalid mechanism '{term}'";
                    return false;
                }

                break;

            case SpfMechanismKind.A or SpfMechanismKind.Mx:
            {
                var cidrStart = FindCidr(after);
                var target = after[..cidrStart];
                if (!target.IsEmpty)
                {
                    if (target.Length < 2 || target[0] != ':')
                    {
                        error = $"invalid mechanism '{term}'";
                        return false;
                    }

                    if (!TryDomainSpec(target[1..], out domainSpec, out error))
                    {
                        error = $"{error} in '{term}'";
                        return false;
                    }
                }

                if (!TryDualCidr(after[cidrStart..], ref cidr4, ref cidr6))
                {
                    error = $"invalid CIDR length in '{term}'";
                    return false;
                }

                break;
            }

            case SpfMechanismKind.Ip4:
            {
                if (after.Length < 2 || after[0] != ':')
                {
                    error = $"'{term}' needs an address";
                    return false;
                }

                var value = after[1..];
                var slash = value.IndexOf('/');
                var address = slash < 0 ? value : value[..slash];
                if (!TryIp4(address, out network) || (slash >= 0 && !TryCidr(value[(slash + 1)..], 32, out cidr4)))
                {
                    error = $"invalid ip4 network in '{term}'";
                    return false;
                }

                break;
            }

            case SpfMechanismKind.Ip6:
            {
                if (after.Length < 2 || after[0] != ':')
                {
                    error = $"'{term}' needs an address";
                    return false;
                }

                var value = after[1..];
                var slash = value.IndexOf('/');
                var address = slash < 0 ? value : value[..slash];
                if (address.Contains('%') || !IPAddress.TryParse(address, out network) || network.AddressFamily != AddressFamily.InterNetworkV6
                    || (slash >= 0 && !TryCidr(value[(slash + 1)..], 128, out cidr6)))
                {
                    error = $"invalid ip6 network in '{term}'";
                    return false;
                }

                break;
            }
        }

        mechanisms.Add(new SpfMechanism(term, qualifier, kind, domainSpec, network, cidr4, cidr6));
        error = null;
        return true;
    }

    private static bool TryMechanismKind(ReadOnlySpan<char> name, out SpfMechanismKind kind)
    {
        kind = default;
        Span<char> lower = stackalloc char[8];
        if (name.Length is 0 or > 7)
        {
            return false;
        }

        var n = name.ToLowerInvariant(lower);
        switch (lower[..n])
        {
            case "all": kind = SpfMechanismKind.All; return true;
            case "include": kind = SpfMechanismKind.Include; return true;
            case "a": kind = SpfMechanismKind.A; return true;
            case "mx": kind = SpfMechanismKind.Mx; return true;
            case "ptr": kind = SpfMechanismKind.Ptr; return true;
            case "ip4": kind = SpfMechanismKind.Ip4; return true;
            case "ip6": kind = SpfMechanismKind.Ip6; return true;
            case "exists": kind = SpfMechanismKind.Exists; return true;
            default: return false;
        }
    }

    /// <summary>
    /// Start of the dual-cidr-length: a trailing "/digits", "//digits" or "/digits//digits"; a '/'
    /// elsewhere belongs to the domain-spec (macro-literal allows it).
    /// </summary>
    private static int FindCidr(ReadOnlySpan<char> text)
    {
        var end = text.Length;
        var start = TrailingSlashNumber(text, end, out var slashes);
        if (start < 0)
        {
            return end;
        }

        if (slashes == 2)
        {
            var before = TrailingSlashNumber(text, start, out var single);
            return before >= 0 && single == 1 ? before : start;
        }

        return start;
    }

    /// <summary>Index of a "/digits" or "//digits" ending at <paramref name="end"/>, or -1.</summary>
    private static int TrailingSlashNumber(ReadOnlySpan<char> text, int end, out int slashes)
    {
        slashes = 0;
        var i = end;
        while (i > 0 && char.IsAsciiDigit(text[i - 1]))
        {
            i--;
        }

        if (i == end || i == 0 || text[i - 1] != '/')
        {
            return -1;
        }

        i--;
        slashes = 1;
        if (i > 0 && text[i - 1] == '/')
        {
            i--;
            slashes = 2;
        }

        return i;
    }

    /// <summary>dual-cidr-length = [ ip4-cidr-length ] [ "/" ip6-cidr-length ].</summary>
    private static bool TryDualCidr(ReadOnlySpan<char> text, ref int cidr4, ref int cidr6)
    {
        if (text.IsEmpty)
        {
            return true;
        }

        if (text.StartsWith("//"))
        {
            return TryCidr(text[2..], 128, out cidr6);
        }

        var rest = text[1..];
        var second = rest.IndexOf("//");
        if (second < 0)
        {
            return TryCidr(rest, 32, out cidr4);
        }

        return TryCidr(rest[..second], 32, out cidr4) && TryCidr(rest[(second + 2)..], 128, out cidr6);
    }

    /// <summary>ip4-cidr-length / ip6-cidr-length: "0" or a number without leading zeros, at most <paramref name="max"/>.</summary>
    private static bool TryCidr(ReadOnlySpan<char> digits, int max, out int value)
    {
        value = 0;
        if (digits.IsEmpty || digits.Length > 3 || (digits.Length > 1 && digits[0] == '0'))
        {
            return false;
        }

        foreach (var c in digits)
        {
            if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        value = int.Parse(digits, NumberStyles.None, CultureInfo.InvariantCulture);
        return value <= max;
    }

    /// <summary>ip4-network = qnum "." qnum "." qnum "." qnum; qnum = 0-255 without leading zeros.</summary>
    private static bool TryIp4(ReadOnlySpan<char> text, out IPAddress? address)
    {
        address = null;
        Span<byte> bytes = stackalloc byte[4];
        var part = 0;
        var start = 0;
        for (var i = 0; i <= text.Length; i++)
        {
            if (i < text.Length && text[i] != '.')
            {
                continue;
            }

            var q = text[start..i];
            if (part > 3 || q.IsEmpty || q.Length > 3 || (q.Length > 1 && q[0] == '0'))
            {
                return false;
            }

            var v = 0;
            foreach (var c in q)
            {
                if (!char.IsAsciiDigit(c))
                {
                    return false;
                }

                v = v * 10 + (c - '0');
            }

            if (v > 255)
            {
                return false;
            }

            bytes[part++] = (byte)v;
            start = i + 1;
        }

        if (part != 4)
        {
            return false;
        }

        address = new IPAddress(bytes);
        return true;
    }

    private static bool TryDomainSpec(ReadOnlySpan<char> text, out SpfMacroString? spec, out string? error)
    {
        if (!SpfMacroString.TryParse(text, null, false, out spec, out error))
        {
            return false;
        }

        return IsDomainSpec(spec!, out error);
    }

    /// <summary>domain-spec = macro-string domain-end; domain-end = ( "." toplabel [ "." ] ) / macro-expand.</summary>
    private static bool IsDomainSpec(SpfMacroString spec, out string? error)
    {
        error = null;
        if (spec.EndsWithMacro)
        {
            return true;
        }

        var tail = spec.TrailingLiteral.AsSpan();
        if (tail.EndsWith('.'))
        {
            tail = tail[..^1];
        }

        var dot = tail.LastIndexOf('.');
        if (dot < 0)
        {
            error = "domain-spec does not end in '.' toplabel";
            return false;
        }

        var top = tail[(dot + 1)..];
        if (!IsTopLabel(top))
        {
            error = $"invalid top label '{top}'";
            return false;
        }

        return true;
    }

    /// <summary>toplabel = ( *alphanum ALPHA *alphanum ) / ( 1*alphanum "-" *( alphanum / "-" ) alphanum ).</summary>
    private static bool IsTopLabel(ReadOnlySpan<char> label)
    {
        if (label.IsEmpty || !char.IsAsciiLetterOrDigit(label[0]) || !char.IsAsciiLetterOrDigit(label[^1]))
        {
            return false;
        }

        var hasLetterOrDash = false;
        foreach (var c in label)
        {
            if (char.IsAsciiLetter(c) || c == '-')
            {
                hasLetterOrDash = true;
            }
            else if (!char.IsAsciiDigit(c))
            {
                return false;
            }
        }

        return hasLetterOrDash;
    }
}
