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

    [PostfixFact]
    public async Task A_451_at_RCPT_makes_Postfix_defer_and_after_the_rule_is_removed_a_flush_delivers_it() =>
        await DeferThenDeliverAsync("rcpt", "RCPT TO");

    [PostfixFact]
    public async Task A_451_at_end_of_data_makes_Postfix_defer_and_after_the_rule_is_removed_a_flush_delivers_it() =>
        await DeferThenDeliverAsync("end-of-data", "end of DATA");

    private static async Task DeferThenDeliverAsync(string stage, string postfixStage)
    {
        var token = "pfx-fault-" + Guid.NewGuid().ToString("N");
        var rule = "tempfail-" + stage;
        var scope = stage == "end-of-data" ? $"--Faults:Rules:0:Subject={token}" : "--Faults:Rules:0:RcptTo=bob@example.com";
        await using var relay = await InteropRelay.StartAsync(
            "--Api:AdminToken=" + AdminToken,
            "--Faults:Rules:0:Name=" + rule, "--Faults:Rules:0:Stage=" + stage, scope,
            "--Faults:Rules:0:Reply:Code=451", "--Faults:Rules:0:Reply:EnhancedCode=4.7.1",
            "--Faults:Rules:0:Reply:Text=smarthost.test is tempfailing on purpose (" + rule + ")");
        await using var postfix = await PostfixHarness.AcquireAsync(relay.Relay.SmtpEndPoint.Port, "127.0.0.2");

        await PostfixRelayTests.SubmitAsync(postfix.SubmissionPort, token, "Deferred by a fault rule, then delivered.\r\n");

        // Postfix keeps it in its deferred queue with the smarthost's reply as the reason.
        var (queueId, reason) = await PostfixQueue.WaitForDeferralAsync("bob@example.com", "451 4.7.1 smarthost.test is tempfailing on purpose", TimeSpan.FromSeconds(90));
        Assert.Contains($"(in reply to {postfixStage} command)", reason, StringComparison.Ordinal);
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
