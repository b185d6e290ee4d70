using System.Net;
using System.Net.Sockets;
using System.Text;

namespace SmarthostLab.Smtp.Protocol;

/// <summary>
/// One <c>TryMake</c> per RFC 5321 4.1.2 / 4.1.3 grammar rule, with the RFC 6531 3.3 extensions
/// (UTF-8 in atext, qtextSMTP and sub-domains). Each works on a span and an index: on success the
/// index is past the rule, on failure it is unchanged. Pure: no allocation except where a value is returned.
/// </summary>
public static class SmtpGrammar
{
    /// <summary>Let-dig = ALPHA / DIGIT (RFC 6531: a UTF-8 octet counts as a letter of a U-label).</summary>
    private static bool IsLetDig(byte b) => char.IsAsciiLetterOrDigit((char)b) || b >= 0x80;

    /// <summary>atext (RFC 5322 3.2.3) plus UTF8-non-ascii (RFC 6531 3.3).</summary>
    private static bool IsAtext(byte b) =>
        char.IsAsciiLetterOrDigit((char)b) || b >= 0x80 || "!#$%&'*+-/=?^_`{|}~"u8.Contains(b);

    /// <summary>
    /// sub-domain = Let-dig [Ldh-str]; Ldh-str = *( ALPHA / DIGIT / "-" ) Let-dig.
    /// </summary>
    public static bool TryMakeSubDomain(ReadOnlySpan<byte> s, ref int i)
    {
        var p = i;
        if (p >= s.Length || !IsLetDig(s[p])) return false;
        p++;
        while (p < s.Length && (IsLetDig(s[p]) || s[p] == '-')) p++;
        if (s[p - 1] == '-') return false;
        i = p;
        return true;
    }

    /// <summary>Domain = sub-domain *("." sub-domain).</summary>
    public static bool TryMakeDomain(ReadOnlySpan<byte> s, ref int i)
    {
        var p = i;
        if (!TryMakeSubDomain(s, ref p)) return false;
        while (p + 1 < s.Length && s[p] == '.')
        {
            var q = p + 1;
            if (!TryMakeSubDomain(s, ref q)) return false;
            p = q;
        }
        if (p < s.Length && s[p] == '.') return false;
        i = p;
        return true;
    }

    /// <summary>
    /// address-literal = "[" ( IPv4-address-literal / IPv6-address-literal / General-address-literal ) "]"
    /// (RFC 5321 4.1.3).
    /// </summary>
    public static bool TryMakeAddressLiteral(ReadOnlySpan<byte> s, ref int i)
    {
        if (i >= s.Length || s[i] != '[') return false;
        var close = s[i..].IndexOf((byte)']');
        if (close < 2) return false;
        var inner = s.Slice(i + 1, close - 1);
        bool ok;
        if (inner.Length > 5 && Ascii.EqualsIgnoreCase(inner[..5], "IPv6:"u8))
            ok = TryParseIp(inner[5..], AddressFamily.InterNetworkV6);
        else if (inner.IndexOf((byte)':') is var colon and > 0)
            ok = IsGeneralLiteral(inner, colon);
        else
            ok = IsIpv4Literal(inner);
        if (!ok) return false;
        i += close + 1;
        return true;
    }

    /// <summary>IPv4-address-literal = Snum 3("." Snum).</summary>
    private static bool IsIpv4Literal(ReadOnlySpan<byte> s)
    {
        var parts = 0;
        var digits = 0;
        var value = 0;
        foreach (var b in s)
        {
            if (b == '.')
            {
                if (digits == 0) return false;
                parts++;
                digits = 0;
                value = 0;
                continue;
            }
            if (!char.IsAsciiDigit((char)b) || ++digits > 3) return false;
            value = value * 10 + (b - '0');
            if (value > 255) return false;
        }
        return digits > 0 && parts == 3;
    }

    /// <summary>General-address-literal = Standardized-tag ":" 1*dcontent.</summary>
    private static bool IsGeneralLiteral(ReadOnlySpan<byte> s, int colon)
    {
        var tag = 0;
        if (!TryMakeSubDomain(s[..colon], ref tag) || tag != colon) return false;
        var content = s[(colon + 1)..];
        if (content.IsEmpty) return false;
        foreach (var b in content)
            if (b is < 33 or > 126 or (byte)'[' or (byte)'\\' or (byte)']') return false;
        return true;
    }

    private static bool TryParseIp(ReadOnlySpan<byte> s, AddressFamily family)
    {
        if (s.Length > 64) return false;
        Span<char> chars = stackalloc char[s.Length];
        for (var k = 0; k < s.Length; k++)
        {
            if (s[k] >= 0x80) return false;
            chars[k] = (char)s[k];
        }
        return IPAddress.TryParse(chars, out var address) && address.AddressFamily == family;
    }

    /// <summary>Dot-string = Atom *("." Atom); Atom = 1*atext.</summary>
    public static bool TryMakeDotString(ReadOnlySpan<byte> s, ref int i)
    {
        var p = i;
        if (!TryMakeAtom(s, ref p)) return false;
        while (p + 1 < s.Length && s[p] == '.')
        {
            var q = p + 1;
            if (!TryMakeAtom(s, ref q)) return false;
            p = q;
        }
        i = p;
        return true;
    }

    /// <summary>Atom = 1*atext.</summary>
    public static bool TryMakeAtom(ReadOnlySpan<byte> s, ref int i)
    {
        var p = i;
        while (p < s.Length && IsAtext(s[p])) p++;
        if (p == i) return false;
        i = p;
        return true;
    }

    /// <summary>
    /// Quoted-string = DQUOTE *QcontentSMTP DQUOTE; QcontentSMTP = qtextSMTP / quoted-pairSMTP;
    /// quoted-pairSMTP = %d92 %d32-126; qtextSMTP = %d32-33 / %d35-91 / %d93-126 / UTF8-non-ascii.
    /// </summary>
    public static bool TryMakeQuotedString(ReadOnlySpan<byte> s, ref int i)
    {
        var p = i;
        if (p >= s.Length || s[p] != '"') return false;
        p++;
        while (p < s.Length)
        {
            var b = s[p];
            if (b == '"')
            {
                i = p + 1;
                return true;
            }
            if (b == '\\')
            {
                if (p + 1 >= s.Length || s[p + 1] is < 32 or > 126) return false;
                p += 2;
                continue;
            }
            if (b < 32 || b == 127) return false;
            p++;
        }
        return false;
    }

    /// <summary>Local-part = Dot-string / Quoted-string.</summary>
    public static bool TryMakeLocalPart(ReadOnlySpan<byte> s, ref int i) =>
        TryMakeDotString(s, ref i) || TryMakeQuotedString(s, ref i);

    /// <summary>Mailbox = Local-part "@" ( Domain / address-literal ).</summary>
    public static bool TryMakeMailbox(ReadOnlySpan<byte> s, ref int i)
    {
        var p = i;
        if (!TryMakeLocalPart(s, ref p)) return false;
        if (p >= s.Length || s[p] != '@') return false;
        p++;
        if (!TryMakeDomain(s, ref p) && !TryMakeAddressLiteral(s, ref p)) return false;
        i = p;
        return true;
    }

    /// <summary>At-domain = "@" Domain; A-d-l = At-domain *( "," At-domain ) (source route, ignored, RFC 5321 4.1.2).</summary>
    public static bool TryMakeAdl(ReadOnlySpan<byte> s, ref int i)
    {
        var p = i;
        do
        {
            if (p >= s.Length || s[p] != '@') return false;
            p++;
            if (!TryMakeDomain(s, ref p)) return false;
        }
        while (p < s.Length && s[p] == ',' && ++p > 0);
        i = p;
        return true;
    }

    /// <summary>
    /// Path = "&lt;" [ A-d-l ":" ] Mailbox "&gt;". On success <paramref name="mailbox"/> is the range of the mailbox.
    /// With <paramref name="allowPostmaster"/> also "&lt;Postmaster&gt;" (RCPT TO, RFC 5321 4.1.1.3).
    /// </summary>
    public static bool TryMakePath(ReadOnlySpan<byte> s, ref int i, bool allowPostmaster, out Range mailbox)
    {
        mailbox = default;
        var p = i;
        if (p >= s.Length || s[p] != '<') return false;
        p++;
        var q = p;
        if (TryMakeAdl(s, ref q) && q < s.Length && s[q] == ':') p = q + 1;
        var start = p;
        if (!TryMakeMailbox(s, ref p))
        {
            p = start;
            if (!allowPostmaster || !TryMakeAtom(s, ref p) || !Ascii.EqualsIgnoreCase(s[start..p], "postmaster"u8)) return false;
        }
        if (p >= s.Length || s[p] != '>') return false;
        mailbox = start..p;
        i = p + 1;
        return true;
    }

    /// <summary>Reverse-path = Path / "&lt;&gt;".</summary>
    public static bool TryMakeReversePath(ReadOnlySpan<byte> s, ref int i, out Range mailbox)
    {
        if (s.Length - i >= 2 && s[i] == '<' && s[i + 1] == '>')
        {
            mailbox = (i + 1)..(i + 1);
            i += 2;
            return true;
        }
        return TryMakePath(s, ref i, allowPostmaster: false, out mailbox);
    }

    /// <summary>
    /// esmtp-param = esmtp-keyword ["=" esmtp-value]; esmtp-keyword = (ALPHA / DIGIT) *(ALPHA / DIGIT / "-");
    /// esmtp-value = 1*(%d33-60 / %d62-126 / UTF8-non-ascii).
    /// </summary>
    public static bool TryMakeEsmtpParam(ReadOnlySpan<byte> s, ref int i, out Range keyword, out Range value)
    {
        keyword = value = default;
        var p = i;
        if (p >= s.Length || !char.IsAsciiLetterOrDigit((char)s[p])) return false;
        p++;
        while (p < s.Length && (char.IsAsciiLetterOrDigit((char)s[p]) || s[p] == '-')) p++;
        keyword = i..p;
        if (p < s.Length && s[p] == '=')
        {
            var v = ++p;
            while (p < s.Length && s[p] is (>= 33 and <= 60) or (>= 62 and <= 126) or >= 0x80) p++;
            if (p == v) return false;
            value = v..p;
        }
        else
        {
            value = p..p;
        }
        if (p < s.Length && s[p] != ' ') return false;
        i = p;
        return true;
    }
}
