using SmarthostLab.Smtp;
using SmarthostLab.Smtp.Protocol;
using SmarthostLab.Smtp.Session;

namespace SmarthostLab.Fuzz.Targets;

/// <summary>
/// The DATA phase decoder (<see cref="SmtpDataDecoder"/> into <see cref="MessageContent"/>). The input is read twice:
/// <list type="number">
/// <item>as the octets a client sends after 354, under both bare-LF policies and a small and a large size limit, in one
/// span and in pieces. Checked against a reference model written here from RFC 5321 4.1.1.4/4.5.2: the end is the first
/// CRLF "." CRLF (the start of data counting as a line start), line-start dots are dropped, a bare LF is an LF not after
/// CR, a text line is too long past 1,000 octets with its CRLF. Decoded length ≤ octets consumed ≤ input length.</item>
/// <item>as a message: dot-stuffed and terminated the way a client must send it, it decodes back to itself byte-exact.</item>
/// </list>
/// </summary>
public static class DataTarget
{
    // Size limits: one small enough for afl-fuzz's inputs (a few hundred octets) to pass, one above a long line
    // (1,000 octets) so a line can be too long before the message is too big, and none.
    private static readonly long[] Limits = [512, 4096, long.MaxValue];

    /// <summary>Runs the target on one input.</summary>
    public static void Run(ReadOnlySpan<byte> input)
    {
        var data = input.ToArray();
        var seed = data.Length == 0 ? 0 : data[0];
        var model = Model.Of(data);
        foreach (var policy in (BareLineFeedPolicy[])[BareLineFeedPolicy.Reject, BareLineFeedPolicy.Accept])
        {
            foreach (var limit in Limits)
            {
                var whole = Decode(data, [data], policy, limit);
                var pieces = Decode(data, Segments.Cut(data, seed, 61), policy, limit);
                FuzzInvariantException.Check(whole.Equals(pieces), () => $"one span and pieces differ ({policy}, limit {limit}): {whole} vs {pieces}");
                CheckAgainstModel(whole, model, limit);
            }
        }
        RoundTrip(data, seed);
    }

    /// <summary>What one decode run produced.</summary>
    private sealed record Outcome(bool Found, long Consumed, byte[] Content, long Received, bool SizeExceeded, bool BareLineFeed, bool LineTooLong, bool Failed)
    {
        // What a failed message kept before the failure is never stored (the session drops it), so only content that
        // would be stored has to be the same however the input was cut.
        public bool Equals(Outcome? other) => other is not null && Found == other.Found && Consumed == other.Consumed
            && (Failed || Content.AsSpan().SequenceEqual(other.Content)) && Received == other.Received && SizeExceeded == other.SizeExceeded
            && BareLineFeed == other.BareLineFeed && LineTooLong == other.LineTooLong && Failed == other.Failed;

        public override int GetHashCode() => HashCode.Combine(Found, Consumed, Content.Length);

        public override string ToString() =>
            $"found={Found} consumed={Consumed} content={Content.Length} received={Received} size={SizeExceeded} bareLf={BareLineFeed} long={LineTooLong}";
    }

    private static Outcome Decode(byte[] data, IEnumerable<ReadOnlyMemory<byte>> pieces, BareLineFeedPolicy policy, long limit)
    {
        var decoder = new SmtpDataDecoder(policy);
        decoder.Reset();
        using var content = new MessageContent(limit);
        long consumed = 0;
        var found = false;
        foreach (var piece in pieces)
        {
            found = decoder.Decode(piece.Span, content, out var n);
            FuzzInvariantException.Check(n >= 0 && n <= piece.Length, () => $"decoder consumed {n} of a {piece.Length}-octet span");
            FuzzInvariantException.Check(found || n == piece.Length, "decoder left octets of a span unread without finding the end");
            consumed += n;
            if (found) break;
        }
        FuzzInvariantException.Check(consumed <= data.Length, "decoder consumed more than the input");
        FuzzInvariantException.Check(content.Length <= consumed, () => $"decoded {content.Length} octets from {consumed}");
        FuzzInvariantException.Check(content.Length <= limit, () => $"decoded {content.Length} octets past the {limit}-octet limit");
        FuzzInvariantException.Check(decoder.Failed == (decoder.FailureReply is not null) && decoder.Failed == (decoder.FailureReason is not null),
            "Failed, FailureReply and FailureReason disagree");
        if (decoder.FailureReply is { } reply) ReplyChecks.WellFormed(reply);
        return new Outcome(found, consumed, content.ToArray(), decoder.ReceivedOctets, decoder.SizeExceeded, decoder.BareLineFeedSeen,
            decoder.LineTooLong, decoder.Failed);
    }

    private static void CheckAgainstModel(Outcome o, Model m, long limit)
    {
        FuzzInvariantException.Check(o.Found == m.Found && o.Consumed == m.Consumed, () => $"end of data: decoder {o}, model found={m.Found} consumed={m.Consumed}");
        FuzzInvariantException.Check(o.Received == o.Consumed, () => $"ReceivedOctets {o.Received} != consumed {o.Consumed}");
        FuzzInvariantException.Check(o.BareLineFeed == m.BareLineFeed, () => $"bare LF: decoder {o.BareLineFeed}, model {m.BareLineFeed}");
        FuzzInvariantException.Check(o.LineTooLong == m.LineTooLong, () => $"line too long: decoder {o.LineTooLong}, model {m.LineTooLong}");
        // The size is that of the whole decoded message, whatever else failed first.
        FuzzInvariantException.Check(o.SizeExceeded == m.Content.Length > limit, () => $"size: decoder {o.SizeExceeded}, model {m.Content.Length} > {limit}");
        if (!o.Failed)
            FuzzInvariantException.Check(o.Content.AsSpan().SequenceEqual(m.Content), () => $"decoded content ({o.Content.Length} octets) differs from the model's ({m.Content.Length})");
        else if (o.SizeExceeded)
            FuzzInvariantException.Check(o.Content.Length == 0, "a message over the size limit kept content");
        else
            FuzzInvariantException.Check(m.Content.AsSpan().StartsWith(o.Content), "content kept before a failure is not a prefix of the message");
    }

    /// <summary>A message, dot-stuffed and terminated as RFC 5321 4.5.2 tells a client, decodes back to itself.</summary>
    private static void RoundTrip(byte[] message, int seed)
    {
        var expected = message.AsSpan().EndsWith("\r\n"u8) ? message : [.. message, (byte)'\r', (byte)'\n'];
        var wire = new List<byte>(expected.Length + 16);
        for (var k = 0; k < expected.Length; k++)
        {
            if (expected[k] == '.' && (k == 0 || (k >= 2 && expected[k - 2] == '\r' && expected[k - 1] == '\n'))) wire.Add((byte)'.');
            wire.Add(expected[k]);
        }
        wire.AddRange(".\r\n"u8.ToArray());
        var bytes = wire.ToArray();
        var outcome = Decode(bytes, Segments.Cut(bytes, seed, 37), BareLineFeedPolicy.Accept, expected.Length);
        FuzzInvariantException.Check(outcome.Found && outcome.Consumed == bytes.Length,
            () => $"stuffed message: end found={outcome.Found} at {outcome.Consumed} of {bytes.Length}");
        FuzzInvariantException.Check(!outcome.SizeExceeded, "stuffed message counted over its own size");
        if (!outcome.LineTooLong)
            FuzzInvariantException.Check(outcome.Content.AsSpan().SequenceEqual(expected), "a dot-stuffed message does not decode back to itself");
    }

    /// <summary>The reference decoding, straight from the RFC text, without the decoder's state machine.</summary>
    private sealed class Model
    {
        public bool Found { get; private init; }
        public long Consumed { get; private init; }
        public byte[] Content { get; private init; } = [];
        public bool BareLineFeed { get; private init; }
        public bool LineTooLong { get; private init; }

        public static Model Of(byte[] data)
        {
            // The end: the first CRLF "." CRLF, where the start of data counts as just after a CRLF.
            var framed = new byte[data.Length + 2];
            framed[0] = (byte)'\r';
            framed[1] = (byte)'\n';
            data.CopyTo(framed, 2);
            var at = framed.AsSpan().IndexOf("\r\n.\r\n"u8);
            var found = at >= 0;
            var consumed = found ? at + 3 : data.Length;
            var body = data.AsSpan(0, found ? consumed - 3 : consumed);

            var content = new List<byte>(body.Length);
            var bare = false;
            var tooLong = false;
            var lineStart = 0;
            for (var k = 0; k < body.Length; k++)
            {
                var atLineStart = k == 0 || (k >= 2 && body[k - 2] == '\r' && body[k - 1] == '\n');
                if (atLineStart) lineStart = k;
                if (body[k] == '\n' && (k == 0 || body[k - 1] != '\r')) bare = true;
                if (k - lineStart + 1 > SmtpDataDecoder.MaxTextLine) tooLong = true;
                if (atLineStart && body[k] == '.') continue; // transparency: the line-start dot is removed
                content.Add(body[k]);
            }
            // Without the end, a final CR waits for the next octet to say whether it ends a line: not stored yet.
            if (!found && content.Count > 0 && content[^1] == '\r' && body.Length > 0 && body[^1] == '\r') content.RemoveAt(content.Count - 1);
            return new Model { Found = found, Consumed = consumed, Content = [.. content], BareLineFeed = bare, LineTooLong = tooLong };
        }
    }
}
