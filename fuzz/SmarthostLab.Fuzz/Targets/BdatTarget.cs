using System.Text;

namespace SmarthostLab.Fuzz.Targets;

/// <summary>
/// BDAT chunk handling (RFC 3030) through a whole session: the input's first octet chooses how the rest, the message,
/// is cut into chunks (sizes 1 to 256, with an empty "BDAT 0" after the first chunk when the octet is odd); the session
/// gets EHLO, MAIL FROM … BODY=BINARYMIME, RCPT TO, the chunks, NOOP and QUIT. Chunk data is never parsed as commands,
/// so whatever the message holds (CRLF.CRLF, command lines, bare CR/LF, NUL): every chunk gets its 250, the message is
/// stored byte-exact, and the NOOP and QUIT after it are answered in order.
/// </summary>
public static class BdatTarget
{
    private const int MaxMessage = 1024 * 1024;

    /// <summary>Runs the target on one input.</summary>
    public static void Run(ReadOnlySpan<byte> input)
    {
        if (input.IsEmpty) return;
        var seed = input[0];
        var message = input[1..Math.Min(input.Length, MaxMessage)].ToArray();
        var chunks = Segments.Cut(message, seed * 13, 1 + seed);
        if (seed % 2 == 1 && chunks.Count > 1) chunks.Insert(1, ReadOnlyMemory<byte>.Empty);
        if (chunks.Count == 0) chunks.Add(ReadOnlyMemory<byte>.Empty);

        var wire = new List<byte>(message.Length + 64 * chunks.Count + 128);
        var expected = new List<string> { "220 ", "250", "250 2.1.0", "250 2.1.5" };
        Add(wire, "EHLO client.fuzz.test\r\nMAIL FROM:<a@fuzz.test> BODY=BINARYMIME\r\nRCPT TO:<b@fuzz.test>\r\n");
        for (var k = 0; k < chunks.Count; k++)
        {
            var last = k == chunks.Count - 1;
            Add(wire, $"BDAT {chunks[k].Length}{(last ? " LAST" : "")}\r\n");
            wire.AddRange(chunks[k].ToArray());
            expected.Add(last ? "250 2.0.0 Queued as FUZZ" : $"250 2.0.0 {chunks[k].Length} octets received");
        }
        Add(wire, "NOOP\r\nQUIT\r\n");
        expected.Add("250 2.0.0 OK");
        expected.Add("221 2.0.0 ");

        var result = SessionRunner.Run(wire.ToArray(), SessionRunner.Options(MaxMessage, MaxMessage));
        var replies = result.Replies;
        FuzzInvariantException.Check(replies.Count == expected.Count,
            () => $"{replies.Count} replies, expected {expected.Count}: {string.Join(" | ", replies)}");
        for (var k = 0; k < expected.Count; k++)
            FuzzInvariantException.Check(replies[k].StartsWith(expected[k], StringComparison.Ordinal), () => $"reply {k} is '{replies[k]}', expected '{expected[k]}…'");
        FuzzInvariantException.Check(result.Messages.Count == 1, () => $"{result.Messages.Count} messages stored, expected 1");
        FuzzInvariantException.Check(result.Messages[0].AsSpan().SequenceEqual(message),
            () => $"stored message ({result.Messages[0].Length} octets) is not the {message.Length} octets sent");
    }

    private static void Add(List<byte> wire, string text) => wire.AddRange(Encoding.ASCII.GetBytes(text));
}
