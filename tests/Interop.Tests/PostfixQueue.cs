using System.Text.Json;

namespace SmarthostLab.Interop.Tests;

/// <summary>
/// The queue of the Postfix instance <see cref="PostfixHarness"/> drives (the customer's MTA): read with
/// <c>postqueue -j</c> (one JSON object per queued message) and flushed one message at a time with <c>postqueue -i</c>.
/// </summary>
public static class PostfixQueue
{
    /// <summary>Every queued message as postqueue -j shows it.</summary>
    public static async Task<IReadOnlyList<JsonElement>> ListAsync(CancellationToken cancellationToken = default)
    {
        var output = await PostfixTools.RunAsync("postqueue", ["-j"], cancellationToken);
        return [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(line => JsonDocument.Parse(line).RootElement.Clone())];
    }

    /// <summary>
    /// Waits (up to <paramref name="limit"/>) until a message for <paramref name="recipient"/> sits in the deferred
    /// queue with a delay reason containing <paramref name="reply"/>; returns its queue id and that reason.
    /// </summary>
    public static async Task<(string QueueId, string Reason)> WaitForDeferralAsync(string recipient, string reply, TimeSpan limit)
    {
        var deadline = DateTime.UtcNow + limit;
        var last = "";
        while (true)
        {
            foreach (var message in await ListAsync())
            {
                last = message.GetRawText();
                if (message.GetProperty("queue_name").GetString() != "deferred") continue;
                foreach (var rcpt in message.GetProperty("recipients").EnumerateArray())
                {
                    if (rcpt.GetProperty("address").GetString() == recipient && rcpt.TryGetProperty("delay_reason", out var reason)
                        && reason.GetString() is { } text && text.Contains(reply, StringComparison.Ordinal))
                        return (message.GetProperty("queue_id").GetString()!, text);
                }
            }
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"no deferred message for {recipient} with '{reply}' within {limit.TotalSeconds:0} s; queue: {last}\nPostfix log:\n{PostfixHarness.LogTail()}");
            await Task.Delay(250);
        }
    }

    /// <summary>Asks Postfix to deliver one queued message now (postqueue -i).</summary>
    public static Task FlushAsync(string queueId) => PostfixTools.RunAsync("postqueue", ["-i", queueId]);
}
