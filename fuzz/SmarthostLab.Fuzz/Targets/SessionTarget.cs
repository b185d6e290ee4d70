using SmarthostLab.Smtp.Protocol;

namespace SmarthostLab.Fuzz.Targets;

/// <summary>
/// A whole SMTP session (command loop, state table, DATA, BDAT, limits) over in-memory pipes, fed the input as
/// everything a client sends before it closes. Invariants: the session ends by itself and logs no unexpected error;
/// every octet it writes is part of a well-formed reply, the first is the 220 greeting; it answers at most once per
/// line the client sent (plus the greeting and one closing reply), says nothing after 221; no stored message is
/// longer than the input or the size limit.
/// </summary>
public static class SessionTarget
{
    private const long MaxMessageSize = 16 * 1024;
    private const long MaxHeaderSize = 2 * 1024;

    /// <summary>Runs the target on one input.</summary>
    public static void Run(ReadOnlySpan<byte> input)
    {
        var result = SessionRunner.Run(input, SessionRunner.Options(MaxMessageSize, MaxHeaderSize));
        var replies = result.Replies;
        FuzzInvariantException.Check(replies.Count > 0 && replies[0].StartsWith("220 ", StringComparison.Ordinal), "the session did not greet with 220");
        var lines = input.Count((byte)'\n');
        FuzzInvariantException.Check(replies.Count <= lines + 2, () => $"{replies.Count} replies to {lines} lines");
        var quit = replies.FindIndex(r => r.StartsWith("221 ", StringComparison.Ordinal));
        FuzzInvariantException.Check(quit < 0 || quit == replies.Count - 1, "replies after 221");
        var closing = replies.FindIndex(r => r.StartsWith("421 ", StringComparison.Ordinal));
        FuzzInvariantException.Check(closing < 0 || closing == replies.Count - 1, "replies after 421");
        var inputLength = input.Length;
        foreach (var message in result.Messages)
        {
            FuzzInvariantException.Check(message.Length <= inputLength, () => $"a {message.Length}-octet message from {inputLength} octets of input");
            FuzzInvariantException.Check(message.Length <= MaxMessageSize, () => $"a {message.Length}-octet message past the size limit");
        }
        foreach (var refusal in result.Refusals)
        {
            ReplyChecks.WellFormed(refusal.Reply);
            FuzzInvariantException.Check(!refusal.Reply.IsPositive && refusal.Reason.Length > 0, () => $"refusal {refusal} is positive or has no reason");
        }
        FuzzInvariantException.Check(replies.Count(r => r.StartsWith("250 2.0.0 Queued", StringComparison.Ordinal)) == result.Messages.Count,
            "messages stored and 250 Queued replies differ");
    }
}
