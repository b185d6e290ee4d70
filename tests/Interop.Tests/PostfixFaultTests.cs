using System.Net;
using System.Net.Http.Headers;

namespace SmarthostLab.Interop.Tests;

/// <summary>
/// Issue 14 with Postfix as the customer's Exchange server: a smarthost that tempfails makes the sending MTA queue
/// the message with the smarthost's reply as the reason; once the fault rule is removed through the admin API, a
/// flush of its queue delivers the message to the relay.
/// </summary>
[Collection(PostfixCollection.Name)]
public sealed class PostfixFaultTests
{
    private const string AdminToken = "interop-admin-token";

    private const string Tempfail = "451 4.7.1 smarthost.test is tempfailing on purpose";

    [PostfixFact]
    public async Task A_451_at_RCPT_makes_Postfix_defer_and_after_the_rule_is_removed_a_flush_delivers_it() =>
        await DeferThenDeliverAsync("tempfail-rcpt", token => ["--Faults:Rules:0:Stage=rcpt", "--Faults:Rules:0:RcptTo=bob@example.com", .. TempfailReply],
            Tempfail, "(in reply to RCPT TO command)");

    [PostfixFact]
    public async Task A_451_at_end_of_data_makes_Postfix_defer_and_after_the_rule_is_removed_a_flush_delivers_it() =>
        await DeferThenDeliverAsync("tempfail-eod", token => ["--Faults:Rules:0:Stage=end-of-data", "--Faults:Rules:0:Subject=" + token, .. TempfailReply],
            Tempfail, "(in reply to end of DATA command)");

    [PostfixFact]
    public async Task A_smarthost_that_drops_the_line_in_DATA_makes_Postfix_defer_and_after_the_rule_is_removed_a_flush_delivers_it() =>
        await DeferThenDeliverAsync("drop-in-data", _ => ["--Faults:Rules:0:Stage=data", "--Faults:Rules:0:CloseAfterOctets=64"],
            // "while sending message body", or "while sending end of data" when all of it fitted in the socket's buffers.
            "lost connection with 127.0.0.1[127.0.0.1] while sending", "lost connection");

    private static readonly string[] TempfailReply =
        ["--Faults:Rules:0:Reply:Code=451", "--Faults:Rules:0:Reply:EnhancedCode=4.7.1", "--Faults:Rules:0:Reply:Text=smarthost.test is tempfailing on purpose"];

    private static async Task DeferThenDeliverAsync(string rule, Func<string, string[]> ruleArguments, string reasonHas, string reasonAlsoHas)
    {
        var token = "pfx-fault-" + Guid.NewGuid().ToString("N");
        await using var relay = await InteropRelay.StartAsync(
            ["--Api:AdminToken=" + AdminToken, "--Faults:Rules:0:Name=" + rule, .. ruleArguments(token)]);
        await using var postfix = await PostfixHarness.AcquireAsync(relay.Relay.SmtpEndPoint.Port, "127.0.0.2");

        await PostfixRelayTests.SubmitAsync(postfix.SubmissionPort, token, "Deferred by a fault rule, then delivered.\r\n" + new string('x', 200) + "\r\n");

        // Postfix keeps it in its deferred queue with what the smarthost did as the reason.
        var (queueId, reason) = await PostfixQueue.WaitForDeferralAsync("bob@example.com", reasonHas, TimeSpan.FromSeconds(45)); // Postfix's queue lifetime is 1 minute here
        Assert.Contains(reasonAlsoHas, reason, StringComparison.Ordinal);
        var refusals = await relay.GetJsonAsync("/api/v1/refusals?ip=127.0.0.2");
        Assert.Contains(refusals.GetProperty("refusals").EnumerateArray(), r => r.GetProperty("reason").GetString() == "fault:" + rule);
        Assert.Equal(0, (await relay.GetJsonAsync($"/api/v1/messages?token={token}")).GetProperty("total").GetInt32());

        using (var delete = new HttpRequestMessage(HttpMethod.Delete, "/api/v1/faults/" + rule))
        {
            delete.Headers.Authorization = new AuthenticationHeaderValue("Bearer", AdminToken);
            using var removed = await relay.Http.SendAsync(delete);
            Assert.Equal(HttpStatusCode.OK, removed.StatusCode);
        }
        await PostfixQueue.FlushAsync(queueId);

        var message = await relay.WaitAsync(token, 90)
            ?? throw new Xunit.Sdk.XunitException($"the relay stored nothing within 90 s after the flush; Postfix log:\n{PostfixHarness.LogTail()}");
        Assert.Equal("bob@example.com", message.GetProperty("recipients")[0].GetString());
        Assert.Equal("contoso", message.GetProperty("account").GetString());
    }
}
