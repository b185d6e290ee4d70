using SmarthostLab.Relay.Diagnostics;
using System.Text.Json;

namespace SmarthostLab.Interop.Tests;

/// <summary>
/// Issue 14 with a real sending MTA: Postfix (the Exchange stand-in, with its retry times lowered to 10 s by
/// .ci/postfix-setup.sh) meets a greylisting smarthost. Its first attempt is deferred with the relay's 451 in its queue;
/// its own retry, after the relay's delay, is accepted.
/// </summary>
[Collection(PostfixCollection.Name)]
public sealed class PostfixGreylistingTests
{
    [PostfixFact]
    public async Task Postfix_defers_on_the_greylisting_451_and_its_retry_is_accepted()
    {
        await using var relay = await InteropRelay.StartAsync("--Greylisting:Enabled=true", "--Greylisting:Delay=00:00:03");
        await using var postfix = await PostfixHarness.AcquireAsync(relay.Relay.SmtpEndPoint.Port, "127.0.0.2");

        var token = "grey-" + Guid.NewGuid().ToString("N");
        await PostfixRelayTests.SubmitAsync(postfix.SubmissionPort, token, "Greylisted once.\r\n");

        // Postfix's queue shows the relay's reply as the reason of the deferral.
        string? reason = null;
        for (var deadline = DateTime.UtcNow.AddSeconds(60); reason is null && DateTime.UtcNow < deadline; await Task.Delay(250))
        {
            var queue = await PostfixTools.RunAsync("postqueue", ["-j"]);
            foreach (var line in queue.Split('\n', StringSplitOptions.RemoveEmptyEntries))
            {
                using var entry = JsonDocument.Parse(line);
                foreach (var recipient in entry.RootElement.GetProperty("recipients").EnumerateArray())
                {
                    if (recipient.TryGetProperty("delay_reason", out var why) && why.GetString() is { } text && text.Contains("451 4.7.1 greylisted", StringComparison.Ordinal))
                        reason = text;
                }
            }
        }
        Assert.True(reason is not null, "Postfix's queue never showed the greylisting reply; its log:\n" + PostfixHarness.LogTail());
        Assert.Contains("please try again in 3 s", reason, StringComparison.Ordinal);
        var refusal = (await relay.GetJsonAsync("/api/v1/refusals?ip=127.0.0.2")).GetProperty("refusals")[0];
        Assert.Equal("greylisted", refusal.GetProperty("reason").GetString());
        Assert.Equal("bob@example.com", refusal.GetProperty("recipient").GetString());

        // No flush: Postfix's own retry (queue_run_delay and minimal_backoff_time of 10 s) comes after the 3 s delay.
        var message = await relay.WaitAsync(token, 90)
            ?? throw new Xunit.Sdk.XunitException("Postfix's retry was not accepted within 90 s; its log:\n" + PostfixHarness.LogTail());
        Assert.Equal("bob@example.com", message.GetProperty("recipients")[0].GetString());
        Assert.Equal(1, PrometheusText.Sum(await relay.GetTextAsync("/metrics"), "smarthostlab_relay_greylisting_total{outcome=\"passed\"}"));
    }
}
