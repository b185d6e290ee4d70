using System.Text;

namespace SmarthostLab.Tests.Support;

/// <summary>Input a misbehaving client sends.</summary>
public static class Junk
{
    /// <summary><paramref name="count"/> distinct command lines no SMTP server knows, CRLF-ended, about 35 octets each.</summary>
    public static string Lines(int count)
    {
        var junk = new StringBuilder(count * 36);
        for (var i = 0; i < count; i++) junk.Append("JUNK ").Append(i).Append(" xxxxxxxxxxxxxxxxxxxxxxxx\r\n");
        return junk.ToString();
    }
}
