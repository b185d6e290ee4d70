using System.Buffers;
using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Text;

namespace SmarthostLab.Smtp.Protocol;

/// <summary>
/// The values of the Delivery Status Notification parameters (RFC 3461): <c>RET=</c> and <c>ENVID=</c> on MAIL FROM
/// (4.3, 4.4), <c>NOTIFY=</c> and <c>ORCPT=</c> on RCPT TO (4.1, 4.2), and the <c>xtext</c> encoding they use (4).
/// The server validates with these; a queue that keeps the parameters as text parses them back with the same
/// methods. Pure: no I/O, no state.
/// </summary>
public static class DsnParameters
{
    /// <summary>The longest ENVID value, in characters (RFC 3461 4.4).</summary>
    public const int MaxEnvelopeIdLength = 100;

    /// <summary>The longest ORCPT value (<c>addr-type ";" xtext</c>), in characters (RFC 3461 4.2).</summary>
    public const int MaxOriginalRecipientLength = 500;

    /// <summary>The ORCPT address type of RFC 6533 (internationalized addresses), compared case-insensitively.</summary>
    public const string Utf8AddressType = "utf-8";

    /// <summary>
    /// ret-value = "FULL" / "HDRS" (RFC 3461 4.3), case-insensitive. On success <paramref name="ret"/> is the value
    /// upper-cased.
    /// </summary>
    public static bool TryParseRet(string? value, [NotNullWhen(true)] out string? ret)
    {
        ret = string.Equals(value, "FULL", StringComparison.OrdinalIgnoreCase) ? "FULL"
            : string.Equals(value, "HDRS", StringComparison.OrdinalIgnoreCase) ? "HDRS"
            : null;
        return ret is not null;
    }

    /// <summary>envid-parameter value = xtext (RFC 3461 4.4), not empty and at most <see cref="MaxEnvelopeIdLength"/> characters.</summary>
    public static bool IsEnvelopeId([NotNullWhen(true)] string? value) =>
        value is { Length: > 0 and <= MaxEnvelopeIdLength } && IsXText(value);

    /// <summary>
    /// notify-esmtp-value = "NEVER" / 1#notify-list-element; notify-list-element = "SUCCESS" / "FAILURE" / "DELAY"
    /// (RFC 3461 4.1). Case-insensitive; an element given twice, an empty element or NEVER with another is refused.
    /// </summary>
    public static bool TryParseNotify(string? value, out DsnNotify flags)
    {
        flags = DsnNotify.None;
        if (string.IsNullOrEmpty(value)) return false;
        var result = DsnNotify.None;
        foreach (var range in value.AsSpan().Split(','))
        {
            var element = value.AsSpan(range);
            var flag = element.Equals("NEVER", StringComparison.OrdinalIgnoreCase) ? DsnNotify.Never
                : element.Equals("SUCCESS", StringComparison.OrdinalIgnoreCase) ? DsnNotify.Success
                : element.Equals("FAILURE", StringComparison.OrdinalIgnoreCase) ? DsnNotify.Failure
                : element.Equals("DELAY", StringComparison.OrdinalIgnoreCase) ? DsnNotify.Delay
                : DsnNotify.None;
            if (flag == DsnNotify.None || (result & flag) != 0) return false;
            result |= flag;
        }
        if ((result & DsnNotify.Never) != 0 && result != DsnNotify.Never) return false;
        flags = result;
        return true;
    }

    /// <summary>
    /// orcpt-parameter value = addr-type ";" xtext (RFC 3461 4.2), at most <see cref="MaxOriginalRecipientLength"/>
    /// characters; addr-type is an RFC 822 atom. For the <c>utf-8</c> type the address is RFC 6533 3
    /// <c>utf-8-addr-xtext</c> (printable ASCII but '+', '=' and '\', and <c>\x{HEX}</c> escapes), or with
    /// <paramref name="allowUtf8"/> (a transaction under SMTPUTF8) <c>utf-8-addr-unitext</c>, which adds raw UTF-8.
    /// </summary>
    public static bool IsOriginalRecipient([NotNullWhen(true)] string? value, bool allowUtf8) =>
        TrySplitOriginalRecipient(value, allowUtf8, out _, out _);

    /// <summary>
    /// Parses an ORCPT value as <see cref="IsOriginalRecipient"/> checks it: <paramref name="addressType"/> as given
    /// (e.g. "rfc822", "utf-8") and <paramref name="address"/> decoded from xtext (or, for utf-8, from RFC 6533 form).
    /// </summary>
    public static bool TryParseOriginalRecipient(string? value, bool allowUtf8,
        [NotNullWhen(true)] out string? addressType, [NotNullWhen(true)] out string? address)
    {
        addressType = address = null;
        if (!TrySplitOriginalRecipient(value, allowUtf8, out var type, out var encoded)) return false;
        addressType = value[type];
        address = IsUtf8Type(value.AsSpan(type)) ? DecodeUtf8Address(value.AsSpan(encoded)) : DecodeXText(value[encoded]);
        return true;
    }

    /// <summary>
    /// xtext = *( xchar / hexchar ) (RFC 3461 4): xchar is printable ASCII 33–126 but '+' and '='; hexchar is '+'
    /// and two hexadecimal digits (upper case in the RFC; lower case is accepted here). The empty string is xtext.
    /// </summary>
    public static bool IsXText(ReadOnlySpan<char> value)
    {
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c == '+')
            {
                if (i + 2 >= value.Length || !char.IsAsciiHexDigit(value[i + 1]) || !char.IsAsciiHexDigit(value[i + 2])) return false;
                i += 2;
            }
            else if (c is < '!' or > '~' or '=')
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>Decodes xtext (RFC 3461 4): each "+XX" becomes the octet XX; the octets are read as UTF-8.</summary>
    /// <exception cref="FormatException"><paramref name="value"/> is not xtext (<see cref="IsXText"/>).</exception>
    public static string DecodeXText(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        if (!IsXText(value)) throw new FormatException("The value is not RFC 3461 xtext.");
        if (!value.Contains('+')) return value;
        var octets = new byte[value.Length];
        var n = 0;
        for (var i = 0; i < value.Length; i++)
        {
            if (value[i] == '+')
            {
                octets[n++] = byte.Parse(value.AsSpan(i + 1, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
                i += 2;
            }
            else
            {
                octets[n++] = (byte)value[i];
            }
        }
        return Encoding.UTF8.GetString(octets, 0, n);
    }

    /// <summary>
    /// Encodes text as xtext (RFC 3461 4): printable ASCII but '+' and '=' as is, every other octet of its UTF-8
    /// form as "+XX" with upper-case digits.
    /// </summary>
    public static string EncodeXText(string value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var octets = Encoding.UTF8.GetBytes(value);
        var result = new StringBuilder(octets.Length);
        foreach (var b in octets)
        {
            if (b is >= (byte)'!' and <= (byte)'~' and not (byte)'+' and not (byte)'=') result.Append((char)b);
            else result.Append('+').Append(b.ToString("X2", CultureInfo.InvariantCulture));
        }
        return result.ToString();
    }

    /// <summary>RFC 822 specials, which an atom (the ORCPT addr-type) may not contain.</summary>
    private static readonly SearchValues<char> Specials = SearchValues.Create("()<>@,;:\\\".[]");

    private static bool IsUtf8Type(ReadOnlySpan<char> type) => type.Equals(Utf8AddressType, StringComparison.OrdinalIgnoreCase);

    /// <summary>Splits addr-type ";" address and validates both; the ranges exclude the ';'.</summary>
    private static bool TrySplitOriginalRecipient([NotNullWhen(true)] string? value, bool allowUtf8, out Range type, out Range address)
    {
        type = address = default;
        if (value is not { Length: > 0 and <= MaxOriginalRecipientLength }) return false;
        var semicolon = value.IndexOf(';');
        if (semicolon <= 0 || semicolon == value.Length - 1) return false;
        var t = value.AsSpan(0, semicolon);
        foreach (var c in t)
            if (c is < '!' or > '~' || Specials.Contains(c)) return false;
        var a = value.AsSpan(semicolon + 1);
        if (!(IsUtf8Type(t) ? IsUtf8Address(a, allowUtf8) : IsXText(a))) return false;
        type = ..semicolon;
        address = (semicolon + 1)..;
        return true;
    }

    /// <summary>
    /// utf-8-addr-xtext = 1*(QCHAR / EmbeddedUnicodeChar); utf-8-addr-unitext = 1*(QUCHAR / EmbeddedUnicodeChar)
    /// (RFC 6533 3). QCHAR is printable ASCII but '+', '=' and '\'; QUCHAR adds non-ASCII UTF-8.
    /// </summary>
    private static bool IsUtf8Address(ReadOnlySpan<char> s, bool allowUnicode)
    {
        if (s.IsEmpty) return false;
        var i = 0;
        while (i < s.Length)
        {
            var c = s[i];
            if (c == '\\')
            {
                if (!TryReadEmbeddedUnicode(s, ref i, out _)) return false;
            }
            else if (c is >= '!' and <= '~' and not '+' and not '=')
            {
                i++;
            }
            else if (allowUnicode && c >= 0x80 && Rune.DecodeFromUtf16(s[i..], out _, out var used) == OperationStatus.Done)
            {
                i += used;
            }
            else
            {
                return false;
            }
        }
        return true;
    }

    /// <summary>
    /// EmbeddedUnicodeChar = %x5C.78 "{" HEXPOINT "}" (RFC 6533 3): a Unicode scalar value in its shortest form;
    /// below U+0080 only the characters xtext cannot carry (controls, space, '+', '=', '\', DEL), as two digits.
    /// </summary>
    private static bool TryReadEmbeddedUnicode(ReadOnlySpan<char> s, ref int i, out int scalar)
    {
        scalar = 0;
        if (s.Length - i < 5 || s[i] != '\\' || s[i + 1] != 'x' || s[i + 2] != '{') return false;
        var length = s[(i + 3)..].IndexOf('}');
        if (length is < 2 or > 6) return false;
        var hex = s.Slice(i + 3, length);
        foreach (var h in hex)
            if (!char.IsAsciiHexDigit(h)) return false;
        scalar = int.Parse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
        var canonical = scalar < 0x80 ? length == 2 && scalar is (> 0 and <= 0x20) or 0x2B or 0x3D or 0x5C or 0x7F
            : scalar < 0x100 ? length == 2
            : hex[0] != '0' && Rune.IsValid(scalar);
        if (!canonical) return false;
        i += 3 + length + 1;
        return true;
    }

    private static string DecodeUtf8Address(ReadOnlySpan<char> s)
    {
        var result = new StringBuilder(s.Length);
        var i = 0;
        while (i < s.Length)
        {
            if (s[i] == '\\' && TryReadEmbeddedUnicode(s, ref i, out var scalar)) result.Append(new Rune(scalar).ToString());
            else result.Append(s[i++]);
        }
        return result.ToString();
    }
}
