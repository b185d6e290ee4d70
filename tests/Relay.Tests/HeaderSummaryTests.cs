using System.Text;
using MimeKit;
using SmarthostLab.Relay.Session;

namespace SmarthostLab.Relay.Tests;

/// <summary>The "Field: value" text the token search runs over: each header unfolded and trimmed, as MimeKit decodes it.</summary>
public sealed class HeaderSummaryTests
{
    private const string Headers =
        "Received: from mail.contoso.test (mail.contoso.test [192.0.2.10])\r\n" +
        "\tby relay.test with ESMTP id ABC;\r\n" +
        "\tMon, 23 Nov 2026 10:00:00 +0000\r\n" +
        "DKIM-Signature: v=1; a=rsa-sha256; d=contoso.test; s=sel;\r\n h=from:subject; bh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;\r\n b=abc\r\n  def\r\n" +
        "From: =?utf-8?q?Ren=C3=A9e?= <renee@contoso.test>\r\n" +
        "Subject:   spaced   subject \t\r\n" +
        "X-Token:shl-0123456789abcdef0123\r\n" +
        "X-Raw-Utf8: caf\u00e9 au lait\r\n" +
        "X-Folded-Encoded: =?iso-8859-1?q?first?=\r\n =?iso-8859-1?q?_second?=\r\n" +
        "X-Empty:\r\n" +
        "Message-ID: <id@contoso.test>\r\n" +
        "\r\n";

    [Fact]
    public void Every_header_is_one_line_with_the_value_MimeKit_decodes()
    {
        var headers = HeaderList.Load(new MemoryStream(Encoding.UTF8.GetBytes(Headers)));

        var summary = HeaderSummary.Of([.. headers]);

        var expected = string.Concat(headers.Select(h => $"{h.Field}: {h.Value.Trim()}\n"));
        Assert.Equal(expected, summary.Text);
        Assert.Contains("Received: from mail.contoso.test (mail.contoso.test [192.0.2.10])\tby relay.test with ESMTP id ABC;\tMon, 23 Nov 2026 10:00:00 +0000\n", summary.Text);
        Assert.Contains("From: Ren\u00e9e <renee@contoso.test>\n", summary.Text);
        Assert.Contains("X-Token: shl-0123456789abcdef0123\n", summary.Text);
        Assert.Contains("X-Raw-Utf8: caf\u00e9 au lait\n", summary.Text);
        Assert.Contains("X-Empty: \n", summary.Text);
        Assert.Equal(("spaced   subject", "<id@contoso.test>", "Ren\u00e9e <renee@contoso.test>"), (summary.Subject, summary.MessageId, summary.From));
    }
}
