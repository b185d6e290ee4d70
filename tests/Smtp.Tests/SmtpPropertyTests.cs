using System.Text;
using System.Text.RegularExpressions;
using CsCheck;
using SmarthostLab.Smtp.Tests.Support;

namespace SmarthostLab.Smtp.Tests;

/// <summary>
/// Property-based tests (CsCheck) for the SMTP session over in-memory pipes: random command streams and random
/// messages, cut into random network chunks. CsCheck seeds each run at random; a failure throws with the seed to
/// replay it (pass it as <c>seed:</c> or set the <c>CsCheck_Seed</c> environment variable).
/// </summary>
public sealed partial class SmtpPropertyTests
{
    private const int Iterations = 200;

    [GeneratedRegex(@"^\d{3}[ -]")]
    private static partial Regex ReplyLine();

    // ---- Property 1: any command stream, split anywhere, gets one well-formed reply per command, in order ----

    private static readonly string[] ValidCommands =
        ["EHLO x", "MAIL FROM:<a@b.test>", "RCPT TO:<c@d.test>", "RSET", "NOOP", "VRFY x", "HELP"];

    private static readonly Gen<byte[]> Printable = Gen.Char[' ', '~'].Array[0, 80].Select(c => Encoding.ASCII.GetBytes(c));

    private static readonly Gen<byte[]> CommandLine = Gen.Frequency(
        (6, Gen.Select(Gen.OneOf(ValidCommands), Gen.Bool, (c, lower) => Encoding.ASCII.GetBytes(lower ? c.ToLowerInvariant() : c))),
        (2, Printable),
        (1, Gen.Byte.Where(b => b is not (byte)'\r' and not (byte)'\n').Array[0, 80]),
        (1, Gen.Select(Gen.Int[400, 2000], Gen.Char[' ', '~'], (n, c) => Encoding.ASCII.GetBytes(new string(c, n)))))
        .Select(line => IsAvoided(line) ? "NOOP"u8.ToArray() : line);

    /// <summary>DATA, BDAT, STARTTLS and QUIT change what the next bytes mean; the command property keeps them out.</summary>
    private static bool IsAvoided(byte[] line)
    {
        var text = Encoding.Latin1.GetString(line).TrimStart();
        return AvoidedVerbs.Any(v => text.StartsWith(v, StringComparison.OrdinalIgnoreCase));
    }

    private static readonly string[] AvoidedVerbs = ["DATA", "BDAT", "STARTTLS", "QUIT"];

    /// <summary>Split points as raw ints, taken modulo the length of whatever is being split.</summary>
    private static readonly Gen<int[]> Cuts = Gen.Int[0, int.MaxValue].Array[0, 12];

    /// <summary>Mostly a limit too high to reach (so every command is answered), sometimes a low one to reach the 421.</summary>
    private static readonly Gen<int> BadCommandLimit = Gen.Frequency((3, Gen.Const(10_000)), (1, Gen.Int[1, 25]));

    [Fact]
    public async Task Any_command_stream_split_anywhere_gets_well_formed_replies_in_order()
    {
        await Gen.Select(CommandLine.Array[0, 40], Cuts, BadCommandLimit).SampleAsync(async (lines, cuts, maxBad) =>
        {
            var options = PipeHarness.DefaultOptions();
            options.MaxBadCommands = maxBad;
            await using var h = await PipeHarness.StartWithEhloAsync(options);
            var stream = Join(lines.Select(l => l.Concat("\r\n"u8.ToArray()).ToArray()));
            var send = Task.Run(async () =>
            {
                foreach (var chunk in Split(stream, cuts)) await h.SendAsync(chunk);
                await h.SendAsync("QUIT\r\n");
            });

            var replies = await ReadUntilClosedAsync(h);
            await send.WaitAsync(TimeSpan.FromSeconds(5));
            await h.Run.WaitAsync(TimeSpan.FromSeconds(5));
            Assert.True(h.Run.IsCompletedSuccessfully, "session task faulted");

            Assert.NotEmpty(replies);
            var last = replies[^1];
            if (last.StartsWith("221 "))
            {
                Assert.Equal(lines.Length + 1, replies.Count);
                Assert.DoesNotContain(replies, r => r.StartsWith("421"));
            }
            else
            {
                // Past MaxBadCommands the bad command gets 421 and the session closes: nothing after it.
                Assert.StartsWith("421 ", last);
                Assert.True(maxBad < 10_000, "421 without a reachable bad-command limit: " + last);
                Assert.True(replies.Count <= lines.Length, $"{replies.Count} replies to {lines.Length} commands before 421");
                Assert.True(replies.Count(r => r[0] is '4' or '5') - 1 >= maxBad, "421 before MaxBadCommands bad commands");
            }
        }, iter: Iterations);
    }

    /// <summary>Reads reply lines until the server closes, checks each line and groups them into replies.</summary>
    private static async Task<List<string>> ReadUntilClosedAsync(PipeHarness h)
    {
        var replies = new List<string>();
        var current = new List<string>();
        while (await h.ReadLineAsync() is { } line)
        {
            Assert.Matches(ReplyLine(), line);
            if (current.Count > 0) Assert.Equal(current[0][..3], line[..3]); // one code for all lines of a reply
            current.Add(line);
            if (line[3] == ' ')
            {
                replies.Add(string.Join("\n", current));
                current.Clear();
            }
        }
        Assert.Empty(current); // no reply left unfinished
        return replies;
    }

    // ---- Property 2: any message sent with DATA or BDAT, split anywhere, is received byte-exact ----

    private static readonly Gen<string> PrintableText = Gen.Char[' ', '~'].Array[0, 200].Select(c => new string(c));

    private static readonly Gen<string> BodyLine = Gen.Frequency(
        (6, PrintableText),
        (2, PrintableText.Select(t => "." + t)),
        (2, Gen.Const("")));

    private static readonly Gen<byte[]> Message = Gen.Select(
        PrintableText.Select(t => t[..Math.Min(t.Length, 60)]).Array[1, 5],
        BodyLine.Array[0, 100],
        (headers, body) =>
        {
            var sb = new StringBuilder();
            for (var i = 0; i < headers.Length; i++) sb.Append($"X-{i}: {headers[i]}\r\n");
            sb.Append("\r\n");
            foreach (var line in body) sb.Append(line).Append("\r\n");
            return Encoding.ASCII.GetBytes(sb.ToString());
        });

    [Fact]
    public async Task Any_message_sent_with_DATA_or_BDAT_split_anywhere_is_received_byte_exact()
    {
        await Gen.Select(Message, Gen.Bool, Cuts, Cuts).SampleAsync(async (message, useData, chunkCuts, networkCuts) =>
        {
            await using var h = await PipeHarness.StartWithEhloAsync();
            var wire = new List<byte[]> { "MAIL FROM:<a@b.test>\r\nRCPT TO:<c@d.test>\r\n"u8.ToArray() };
            var expected = new List<string> { "250 ", "250 " };
            if (useData)
            {
                wire.Add("DATA\r\n"u8.ToArray());
                wire.Add(DotStuff(message));
                wire.Add(".\r\n"u8.ToArray());
                expected.Add("354 ");
                expected.Add("250 2.0.0 Queued as TEST");
            }
            else
            {
                var chunks = Split(message, chunkCuts).ToList();
                for (var i = 0; i < chunks.Count; i++)
                {
                    var isLast = i == chunks.Count - 1;
                    wire.Add(Encoding.ASCII.GetBytes($"BDAT {chunks[i].Length}{(isLast ? " LAST" : "")}\r\n"));
                    wire.Add(chunks[i]);
                    expected.Add(isLast ? "250 2.0.0 Queued as TEST" : $"250 2.0.0 {chunks[i].Length} octets received");
                }
            }
            wire.Add("QUIT\r\n"u8.ToArray());
            expected.Add("221 ");

            var bytes = Join(wire);
            var send = Task.Run(async () =>
            {
                foreach (var chunk in Split(bytes, networkCuts)) await h.SendAsync(chunk);
            });
            var replies = await ReadUntilClosedAsync(h);
            await send.WaitAsync(TimeSpan.FromSeconds(5));
            await h.Run.WaitAsync(TimeSpan.FromSeconds(5));
            Assert.True(h.Run.IsCompletedSuccessfully, "session task faulted");

            Assert.Equal(expected.Count, replies.Count);
            for (var i = 0; i < expected.Count; i++) Assert.StartsWith(expected[i], replies[i]);
            var received = Assert.Single(h.Handler.Messages);
            Assert.Equal(message, received.Content);
        }, iter: Iterations);
    }

    private static byte[] DotStuff(byte[] message)
    {
        var output = new List<byte>(message.Length + 64);
        var atLineStart = true;
        foreach (var b in message)
        {
            if (atLineStart && b == (byte)'.') output.Add((byte)'.');
            output.Add(b);
            atLineStart = b == (byte)'\n';
        }
        return [.. output];
    }

    private static byte[] Join(IEnumerable<byte[]> parts) => [.. parts.SelectMany(p => p)];

    /// <summary>Cuts <paramref name="bytes"/> at the given points (modulo its length + 1); empty pieces are kept.</summary>
    private static IEnumerable<byte[]> Split(byte[] bytes, int[] cuts)
    {
        var start = 0;
        foreach (var cut in cuts.Select(c => c % (bytes.Length + 1)).Order())
        {
            yield return bytes[start..cut];
            start = cut;
        }
        yield return bytes[start..];
    }
}
