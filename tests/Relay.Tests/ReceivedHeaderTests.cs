using System.Net;
using System.Security.Authentication;
using SmarthostLab.Relay.Session;
using SmarthostLab.Smtp.Session;

namespace SmarthostLab.Relay.Tests;

public sealed class ReceivedHeaderTests
{
    private static readonly DateTimeOffset Time = new(2026, 11, 23, 11, 7, 0, TimeSpan.Zero);

    [Fact]
    public void Plain_ESMTP_with_one_recipient()
    {
        var session = new SessionContext("s1", new IPEndPoint(IPAddress.Parse("192.0.2.10"), 40000), new IPEndPoint(IPAddress.Loopback, 25)) { Helo = "ex.contoso.test", IsExtended = true };
        var envelope = new Envelope { MailFrom = "a@contoso.test" };
        envelope.Recipients.Add("b@example.com");
        Assert.Equal(
            "Received: from ex.contoso.test (unknown [192.0.2.10])\r\n\tby relay.test (SmarthostLab) with ESMTP id ID1\r\n\tfor <b@example.com>; Mon, 23 Nov 2026 11:07:00 +0000\r\n",
            ReceivedHeader.Format(session, envelope, "relay.test", "ID1", Time));
    }

    [Fact]
    public void Tls_utf8_ipv6_and_several_recipients()
    {
        var session = new SessionContext("s1", new IPEndPoint(IPAddress.Parse("2001:db8::1"), 40000), new IPEndPoint(IPAddress.IPv6Loopback, 25))
        {
            Helo = "ex", IsExtended = true, TlsProtocol = SslProtocols.Tls13, TlsCipher = "TLS_AES_256_GCM_SHA384",
        };
        var envelope = new Envelope { MailFrom = "a@contoso.test", Utf8 = true };
        envelope.Recipients.AddRange(["b@example.com", "c@example.com"]);
        Assert.Equal(
            "Received: from ex (unknown [IPv6:2001:db8::1])\r\n\tby relay.test (SmarthostLab) with UTF8SMTPS id ID2\r\n\t(using TLSv1.3 with cipher TLS_AES_256_GCM_SHA384); Mon, 23 Nov 2026 11:07:00 +0000\r\n",
            ReceivedHeader.Format(session, envelope, "relay.test", "ID2", Time));
    }

    [Fact]
    public void Queue_ids_sort_by_time()
    {
        var first = QueueId.New(Time);
        var second = QueueId.New(Time.AddMilliseconds(1));
        Assert.Equal(26, first.Length);
        Assert.True(string.CompareOrdinal(first, second) < 0);
    }
}
