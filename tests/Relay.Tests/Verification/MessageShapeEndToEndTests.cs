using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using SmarthostLab.Contracts;
using SmarthostLab.Relay.Api;
using SmarthostLab.Relay.Tests.Infrastructure;
using SmarthostLab.Verification;

namespace SmarthostLab.Relay.Tests.Verification;

/// <summary>
/// Issue 16, defects 4 and 5 over real sockets: a header over Smtp:MaxHeaderSize is refused for good, one at the
/// limit folded over thousands of lines is signed, verified and stored, and messages without a header section
/// (which MimeKit refused to parse, so the client got 451 forever) are stored with the verdicts that apply.
/// </summary>
public sealed class MessageShapeEndToEndTests
{
    public static TheoryData<string, string> WithoutHeaderSection() => new()
    {
        { "body only", "Hello Bob,\r\nthis message has no header at all.\r\n\r\nRegards\r\n" },
        { "first line not a header", "Dear Bob,\r\nFrom: alice@contoso.test\r\nSubject: after the text\r\n\r\nbody\r\n" },
        { "space in a header name", "X Bad Header: a space in the name\r\nFrom: alice@contoso.test\r\nSubject: s\r\n\r\nbody\r\n" },
    };

    [Theory]
    [MemberData(nameof(WithoutHeaderSection))]
    public async Task A_message_without_a_header_section_is_stored_as_sent_below_the_relays_headers(string shape, string sent)
    {
        await using var lab = await VerificationLab.StartAsync();

        var reply = await lab.SendRawAsync("alice@contoso.test", sent);

        Assert.True(reply.StartsWith("250 2.0.0 Ok: queued as ", StringComparison.Ordinal), $"{shape}: {reply}");
        var id = Mail.QueueIdOf(reply);
        var raw = await lab.RawTextAsync(id);
        // The relay's headers, the empty line that ends them, then every octet as sent: all of it is the body.
        Assert.StartsWith("Authentication-Results: smarthost.test;", raw);
        Assert.EndsWith("\r\n\r\n" + sent, raw);
        var relayHeaders = raw[..^(sent.Length + 2)];
        Assert.Contains("\r\nReceived: from mail.contoso.test (unknown [127.0.0.2])", relayHeaders);
        Assert.DoesNotContain("DKIM-Signature", relayHeaders); // nothing to sign for: no From field
        Assert.Contains("dmarc=permerror", relayHeaders);

        var verdict = await lab.VerdictAsync(id);
        Assert.Equal("permerror", verdict.GetProperty("dmarc").GetProperty("result").GetString());
        Assert.Contains("no header section", verdict.GetProperty("dmarc").GetProperty("reason").GetString());
        Assert.Equal(0, verdict.GetProperty("dkim").GetArrayLength());
        Assert.Equal("pass", verdict.GetProperty("spf").GetProperty("result").GetString());
        Assert.Equal("accept", verdict.GetProperty("action").GetString());
        Assert.Empty((await lab.Relay.RefusalsAsync()).Refusals);
    }

    [Fact]
    public async Task A_message_without_a_header_section_is_stored_when_the_account_rejects_dmarc_failures()
    {
        // permerror is not fail: even a rejecting account keeps it (a 5xx here would be for a DMARC policy it has not got).
        await using var lab = await VerificationLab.StartAsync("--Accounts:0:DmarcFailurePolicy=Reject");

        var reply = await lab.SendRawAsync("alice@contoso.test", "no header\r\n");

        Assert.StartsWith("250 2.0.0", reply);
        Assert.Equal("accept", (await lab.VerdictAsync(Mail.QueueIdOf(reply))).GetProperty("action").GetString());
    }

    [Fact]
    public async Task A_header_over_MaxHeaderSize_is_refused_with_552_5_3_4_and_recorded()
    {
        await using var lab = await VerificationLab.StartAsync("--Smtp:MaxHeaderSize=65536");
        var folded = "X-Long: start\r\n" + string.Concat(Enumerable.Repeat(" a continuation line of the one long field\r\n", 2000));

        var reply = await lab.SendRawAsync("alice@contoso.test", VerificationLab.Message("alice@contoso.test", "too long", folded));

        Assert.Equal("552 5.3.4 Message header exceeds Smtp:MaxHeaderSize (65536 octets)", reply);
        Assert.Equal(0, (await lab.Relay.MessagesAsync()).Total);
        var refusal = Assert.Single((await lab.Relay.RefusalsAsync()).Refusals);
        Assert.Equal(("data", "header-size", "552 5.3.4 Message header exceeds Smtp:MaxHeaderSize (65536 octets)"), (refusal.Stage, refusal.Reason, refusal.Reply));
    }

    [Fact]
    public async Task One_field_folded_up_to_the_default_limit_is_signed_verified_and_stored()
    {
        await using var lab = await VerificationLab.StartAsync();
        var message = VerificationLab.Message("alice@contoso.test", "long folded field", "X-Long: start\r\n");
        var header = message[..message.IndexOf("\r\n\r\n", StringComparison.Ordinal)];
        var line = " a continuation line of the one long field\r\n";
        var lines = (256 * 1024 - header.Length - 2) / line.Length;
        var sent = message.Replace("X-Long: start\r\n", "X-Long: start\r\n" + string.Concat(Enumerable.Repeat(line, lines)), StringComparison.Ordinal);
        Assert.InRange(sent.IndexOf("\r\n\r\n", StringComparison.Ordinal) + 2, 256 * 1024 - line.Length, 256 * 1024);

        var clock = Stopwatch.StartNew();
        var reply = await lab.SendRawAsync("alice@contoso.test", sent);
        clock.Stop();

        // MimeKit's parser took quadratic time in such a field (and parsed it three times); a generous bound only.
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(30), $"took {clock.Elapsed}");
        Assert.StartsWith("250 2.0.0", reply);
        var id = Mail.QueueIdOf(reply);
        Assert.EndsWith("\r\n" + sent, await lab.RawTextAsync(id));
        var verdict = await lab.VerdictAsync(id);
        Assert.Equal("pass", verdict.GetProperty("dkim")[0].GetProperty("result").GetString());
        Assert.Equal("pass", verdict.GetProperty("dmarc").GetProperty("result").GetString());
        var summary = await lab.Relay.Http.GetStringAsync("/api/v1/messages/" + id);
        Assert.Contains("\"subject\":\"long folded field\"", summary);
    }

    [Fact]
    public async Task Post_verify_refuses_a_header_over_MaxHeaderSize_with_413_and_verifies_one_under_it()
    {
        await using var lab = await VerificationLab.StartAsync("--Smtp:MaxHeaderSize=65536");
        var line = " a continuation line of the one long field\r\n";
        string With(int lines) => VerificationLab.Message("alice@contoso.test", "api", "X-Long: x\r\n" + string.Concat(Enumerable.Repeat(line, lines)));

        var over = await lab.Relay.Http.PostAsync("/api/v1/verify?ip=127.0.0.2&mailFrom=alice@contoso.test", new StringContent(With(2000)));
        var under = await lab.Relay.Http.PostAsync("/api/v1/verify?ip=127.0.0.2&mailFrom=alice@contoso.test", new StringContent(With(1000)));

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, over.StatusCode);
        Assert.Contains("the message header is larger than Smtp:MaxHeaderSize (65536 octets)", await over.Content.ReadAsStringAsync());
        Assert.Equal(HttpStatusCode.OK, under.StatusCode);
        Assert.Equal(SpfResult.Pass, (await under.Content.ReadFromJsonAsync(RelayJson.Context.Verdict))!.SpfClient.Result);
    }

    [Fact]
    public async Task Post_verify_takes_a_message_without_a_header_section()
    {
        await using var lab = await VerificationLab.StartAsync();

        var response = await lab.Relay.Http.PostAsync("/api/v1/verify?ip=127.0.0.2&mailFrom=alice@contoso.test", new StringContent("Dear Bob,\r\nno header.\r\n"));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var verdict = (await response.Content.ReadFromJsonAsync(RelayJson.Context.Verdict))!;
        Assert.Equal(DmarcResult.PermError, verdict.Dmarc.Result);
        Assert.Contains("no header section", verdict.Dmarc.Reason);
    }

    [Fact]
    public async Task A_message_past_the_spool_threshold_is_signed_verified_and_stored_byte_exact_from_its_spool_file()
    {
        await using var lab = await VerificationLab.StartAsync("--Smtp:SpoolThreshold=65536");
        var body = string.Concat(Enumerable.Range(0, 40_000).Select(i => $"line {i:D6} of a two megabyte report\r\n"));
        var sent = VerificationLab.Message("alice@contoso.test", "spooled").Replace("Hello.\r\n", body, StringComparison.Ordinal);

        var reply = await lab.SendRawAsync("alice@contoso.test", sent);

        Assert.StartsWith("250 2.0.0", reply);
        var id = Mail.QueueIdOf(reply);
        var raw = await lab.RawTextAsync(id);
        Assert.EndsWith("\r\n" + sent, raw);
        Assert.Contains("\r\nDKIM-Signature: v=1; a=rsa-sha256; d=contoso.test; s=s1;", raw);
        var verdict = await lab.VerdictAsync(id);
        Assert.Equal("pass", verdict.GetProperty("dkim")[0].GetProperty("result").GetString());
        Assert.Equal("pass", verdict.GetProperty("dmarc").GetProperty("result").GetString());
        var spool = Path.Combine(lab.Relay.DataFolder, "spool");
        Assert.True(Directory.Exists(spool));
        Assert.Empty(Directory.GetFiles(spool));
    }
}
