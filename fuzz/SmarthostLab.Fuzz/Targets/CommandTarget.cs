using System.Buffers;
using System.Text;
using SmarthostLab.Smtp.Protocol;

namespace SmarthostLab.Fuzz.Targets;

/// <summary>
/// The command phase's reader and parser (<see cref="SmtpCommandReader"/>, <see cref="SmtpCommandParser"/>) fed the
/// input as a client's byte stream. Invariants: nothing throws; the outcome (commands and error replies, in order) is
/// the same whether the input comes in one segment, in small segments, or chunk by chunk as a pipe hands it over;
/// a pipe never has to hold more than one 512-octet line; error replies are well-formed; parsed values carry no
/// control characters; MAIL/RCPT/EHLO re-parse to the same command when written back, and stored ESMTP parameters
/// split back to the same list.
/// </summary>
public static class CommandTarget
{
    /// <summary>Runs the target on one input.</summary>
    public static void Run(ReadOnlySpan<byte> input)
    {
        var data = input.ToArray();
        var whole = Read(new ReadOnlySequence<byte>(data));
        var segmented = Read(Segments.Of(data, 3));
        FuzzInvariantException.Check(Same(whole, segmented), () => Differ("one segment", whole, "3-octet segments", segmented));
        var arriving = ReadAsArriving(data, data.Length == 0 ? 0 : data[0]);
        FuzzInvariantException.Check(Same(whole, arriving), () => Differ("one segment", whole, "chunk by chunk", arriving));
        foreach (var outcome in whole) Check(outcome);
    }

    /// <summary>One framed line's result: the command, or the error reply.</summary>
    private readonly record struct Outcome(SmtpCommand Command, SmtpReply? Error, byte[]? Line = null)
    {
        public override string ToString() => Error is { } e
            ? $"error {e}"
            : $"{Command.Kind} [{Command.Argument}] {EsmtpParameter.Join(Command.Parameters)} size={Command.ChunkSize} last={Command.IsLast} utf8={Command.IsNonAscii}";
    }

    private static List<Outcome> Read(ReadOnlySequence<byte> input)
    {
        var reader = new SmtpCommandReader();
        var outcomes = new List<Outcome>();
        var sequenceReader = new SequenceReader<byte>(input);
        while (true)
        {
            var before = sequenceReader.Consumed;
            if (!reader.TryParse(ref sequenceReader, out var command, out var error, out var line)) break;
            FuzzInvariantException.Check(sequenceReader.Consumed > before, "a command was framed without consuming input");
            FuzzInvariantException.Check(line.Length < SmtpLineReader.MaxLineLength, () => $"a {line.Length}-octet command line was framed");
            outcomes.Add(new Outcome(command, error, line.ToArray()));
        }
        return outcomes;
    }

    /// <summary>As the session reads: keep what was not consumed, add the next chunk, parse until more data is needed.</summary>
    private static List<Outcome> ReadAsArriving(byte[] data, int seed)
    {
        var reader = new SmtpCommandReader();
        var outcomes = new List<Outcome>();
        var pending = Array.Empty<byte>();
        foreach (var chunk in Segments.Cut(data, seed, 97))
        {
            var buffer = Segments.Of(pending.Concat(chunk.ToArray()).ToArray(), 5);
            while (true)
            {
                var found = reader.TryParse(buffer, out var consumed, out var examined, out var command, out var error);
                if (!found)
                {
                    FuzzInvariantException.Check(examined.Equals(buffer.End), "need-more-data without examining all the input");
                    pending = buffer.Slice(consumed).ToArray();
                    FuzzInvariantException.Check(pending.Length < SmtpLineReader.MaxLineLength,
                        () => $"the reader keeps {pending.Length} octets waiting for a line end (bound: one 512-octet line)");
                    break;
                }
                outcomes.Add(new Outcome(command, error));
                buffer = buffer.Slice(consumed);
            }
        }
        return outcomes;
    }

    private static bool Same(List<Outcome> a, List<Outcome> b) =>
        a.Count == b.Count && a.Zip(b).All(p => p.First.ToString() == p.Second.ToString());

    private static string Differ(string what, List<Outcome> a, string other, List<Outcome> b)
    {
        var k = 0;
        while (k < a.Count && k < b.Count && a[k].ToString() == b[k].ToString()) k++;
        return $"{what} and {other} differ at outcome {k}: '{(k < a.Count ? a[k] : "(none)")}' vs '{(k < b.Count ? b[k] : "(none)")}'";
    }

    private static void Check(Outcome outcome)
    {
        var command = outcome.Command;
        if (outcome.Error is { } error)
        {
            ReplyChecks.WellFormed(error);
            FuzzInvariantException.Check(error.Code is >= 500 and <= 599, () => $"parser error {error} is not a 5xx reply");
            return;
        }
        FuzzInvariantException.Check(command.Kind != SmtpCommandKind.Unknown, "an unknown command parsed without an error");
        if (command.Argument is { Length: > 0 } argument && outcome.Line is { } sent)
        {
            // What the session stores and logs (HELO name, mailbox) is what the client sent, octet for octet.
            FuzzInvariantException.Check(sent.AsSpan().IndexOf(Encoding.UTF8.GetBytes(argument)) >= 0,
                () => $"argument '{argument}' is not in the line sent (octets changed in decoding)");
        }
        FuzzInvariantException.Check(command.ChunkSize >= 0, () => $"BDAT size {command.ChunkSize} is negative");
        NoControl(command.Argument, "argument");
        foreach (var p in command.Parameters)
        {
            NoControl(p.Keyword, "parameter keyword");
            NoControl(p.Value, "parameter value");
            FuzzInvariantException.Check(p.Keyword.Length > 0 && !p.Keyword.Contains('=') && !p.Keyword.Contains(' '), () => $"bad parameter keyword '{p.Keyword}'");
            FuzzInvariantException.Check(p.Value is null || (p.Value.Length > 0 && !p.Value.Contains(' ') && !p.Value.Contains('=')),
                () => $"parameter value '{p.Value}' would not split back");
        }
        var split = EsmtpParameter.Split(EsmtpParameter.Join(command.Parameters));
        FuzzInvariantException.Check(split.SequenceEqual(command.Parameters),
            () => $"parameters '{EsmtpParameter.Join(command.Parameters)}' do not split back to themselves");

        switch (command.Kind)
        {
            case SmtpCommandKind.Mail or SmtpCommandKind.Rcpt:
            {
                FuzzInvariantException.Check(command.Argument is not null, "MAIL/RCPT without a mailbox");
                var verb = command.Kind == SmtpCommandKind.Mail ? "MAIL FROM:" : "RCPT TO:";
                var joined = EsmtpParameter.Join(command.Parameters);
                Reparse($"{verb}<{command.Argument}>{(joined is null ? "" : " " + joined)}", command);
                break;
            }
            case SmtpCommandKind.Helo or SmtpCommandKind.Ehlo:
                FuzzInvariantException.Check(!string.IsNullOrEmpty(command.Argument), "HELO/EHLO without an argument");
                Reparse($"{(command.Kind == SmtpCommandKind.Ehlo ? "EHLO" : "HELO")} {command.Argument}", command);
                break;
            case SmtpCommandKind.Bdat:
                Reparse($"BDAT {command.ChunkSize}{(command.IsLast ? " LAST" : "")}", command);
                break;
        }
    }

    /// <summary>The command written back as a client would send it parses to the same command.</summary>
    private static void Reparse(string line, SmtpCommand original)
    {
        var ok = SmtpCommandParser.TryParse(Encoding.UTF8.GetBytes(line), out var again, out var error);
        FuzzInvariantException.Check(ok, () => $"'{line}' (written back from a parsed command) fails: {error}");
        var a = new Outcome(original, null).ToString();
        var b = new Outcome(again, null).ToString();
        FuzzInvariantException.Check(a == b, () => $"'{line}' re-parses differently: '{a}' vs '{b}'");
    }

    private static void NoControl(string? value, string what)
    {
        if (value is null) return;
        foreach (var c in value)
            FuzzInvariantException.Check(c >= ' ' && c != '\x7f', () => $"{what} '{value}' holds control character U+{(int)c:X4}");
    }
}
