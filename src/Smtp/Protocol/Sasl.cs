using System.Text;

namespace SmarthostLab.Smtp.Protocol;

/// <summary>
/// The SASL pieces of SMTP AUTH the server speaks (RFC 4954): the mechanisms it offers, the base64 of every client
/// response (RFC 4954 4: no line breaks, "=" for an empty initial response), the PLAIN message (RFC 4616 2) and the
/// LOGIN prompts (draft-murchison-sasl-login). Pure and synchronous.
/// </summary>
public static class Sasl
{
    /// <summary>PLAIN (RFC 4616): one message, <c>[authzid] NUL authcid NUL passwd</c>.</summary>
    public const string Plain = "PLAIN";

    /// <summary>LOGIN (draft-murchison-sasl-login): the user name, then the password, each asked for in turn.</summary>
    public const string Login = "LOGIN";

    /// <summary>What EHLO advertises after <c>AUTH</c>.</summary>
    public const string Mechanisms = Plain + " " + Login;

    /// <summary>The LOGIN prompt for the user name: base64 of "Username:".</summary>
    public const string UserNamePrompt = "VXNlcm5hbWU6";

    /// <summary>The LOGIN prompt for the password: base64 of "Password:".</summary>
    public const string PasswordPrompt = "UGFzc3dvcmQ6";

    /// <summary>
    /// Longest client response line, CRLF excluded (RFC 4954 4: a server must accept SASL responses of at least
    /// 12,288 octets, the base64 of 9,216).
    /// </summary>
    public const int MaxResponseLength = 12288;

    /// <summary>A response line of "*": the client cancels the exchange (RFC 4954 4, 501 5.0.0).</summary>
    public static bool IsCancel(ReadOnlySpan<char> response) => response is "*";

    /// <summary>
    /// Decodes one client response: strict base64 (RFC 4648 4, padded, no white space); "=" and the empty line are
    /// the empty response. False when it is not base64 (RFC 4954 4: 501 5.5.2).
    /// </summary>
    public static bool TryDecode(ReadOnlySpan<char> response, out byte[] decoded)
    {
        decoded = [];
        if (response.IsEmpty || response is "=") return true;
        if (response.Length % 4 != 0) return false;
        foreach (var c in response)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '+' or '/' or '=')) return false;
        }
        var buffer = new byte[response.Length / 4 * 3];
        if (!Convert.TryFromBase64Chars(response, buffer, out var written)) return false;
        decoded = buffer.AsSpan(0, written).ToArray();
        return true;
    }

    /// <summary>
    /// Splits a PLAIN message (RFC 4616 2): <c>message = [authzid] UTF8NUL authcid UTF8NUL passwd</c>, each part
    /// UTF-8 without NUL, authcid and passwd not empty. False when it is not of that shape.
    /// </summary>
    public static bool TryParsePlain(ReadOnlySpan<byte> message, out string authorizationId, out string user, out string password)
    {
        authorizationId = user = password = "";
        var first = message.IndexOf((byte)0);
        if (first < 0) return false;
        var rest = message[(first + 1)..];
        var second = rest.IndexOf((byte)0);
        if (second < 0) return false;
        var authcid = rest[..second];
        var passwd = rest[(second + 1)..];
        if (authcid.IsEmpty || passwd.IsEmpty || passwd.Contains((byte)0)) return false;
        return TryDecodeText(message[..first], out authorizationId) && TryDecodeText(authcid, out user) && TryDecodeText(passwd, out password);
    }

    /// <summary>Strict UTF-8 to text (RFC 4616 and the LOGIN user name and password): false for invalid UTF-8 or a NUL.</summary>
    public static bool TryDecodeText(ReadOnlySpan<byte> utf8, out string text)
    {
        text = "";
        if (utf8.Contains((byte)0) || !System.Text.Unicode.Utf8.IsValid(utf8)) return false;
        text = Encoding.UTF8.GetString(utf8);
        return true;
    }
}
