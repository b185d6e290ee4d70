using System.Diagnostics;
using SmarthostLab.Bench.Load;
using SmarthostLab.Relay.Tests.Infrastructure;

namespace SmarthostLab.Relay.Tests.Limits;

/// <summary>
/// Issue 14: the bench's load generator against an account's message limit. Its report counts the 451s, and what the
/// relay accepted over the bounded run is what the token bucket allows: the burst plus the refill of the time it took.
/// </summary>
public sealed class LoadGeneratorLimitTests
{
    [Fact]
    public async Task The_accepted_count_of_a_bounded_run_matches_the_bucket_and_every_other_message_got_451_at_MAIL()
    {
        const int perMinute = 60; // a burst of 60, then one a second
        const int messages = 400;
        await using var relay = await TestRelay.StartAsync($"--Accounts:0:Limits:MessagesPerMinute={perMinute}");
        var options = new LoadOptions
        {
            Target = relay.Smtp,
            Bind = TestRelay.Registered,
            Connections = 4,
            Messages = messages,
            PerSession = 0,
            Duration = TimeSpan.FromSeconds(30),
        };
        var clock = Stopwatch.StartNew();
        var result = await new LoadRunner(options, BenchMessage.Create(1024, "contoso.test", signed: false)).RunAsync(CancellationToken.None);
        var elapsed = clock.Elapsed;

        Assert.False(result.TimedOut);
        Assert.Equal(0, result.Errors.Values.Sum());
        var refillBound = perMinute + (int)Math.Ceiling(elapsed.TotalSeconds * perMinute / 60.0);
        Assert.InRange(result.Accepted, perMinute, refillBound);
        var refusal = Assert.Single(result.Refusals);
        Assert.Equal("mail 451", refusal.Key);
        Assert.Equal(messages - result.Accepted, refusal.Value.Count);
        Assert.StartsWith("4.7.1 account lab: limit of 60 messages per minute reached", refusal.Value.Text);
        Assert.Equal(result.Accepted, (await relay.MessagesAsync("?limit=1")).Total);
    }
}
