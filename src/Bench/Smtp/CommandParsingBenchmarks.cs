using System.Buffers;
using BenchmarkDotNet.Attributes;
using SmarthostLab.Smtp.Protocol;

namespace SmarthostLab.Bench.Smtp;

/// <summary>
/// The pure command parser (RFC 5321 4.1.1) per command line, and the framing reader over a pipelined
/// batch split in 4 KB segments as a pipe delivers it. Baseline: finding the line's CRLF, the least
/// any parser must do.
/// </summary>
[MemoryDiagnoser]
public class CommandParsingBenchmarks
{
    private static readonly byte[] MailLine = "MAIL FROM:<sender.name@contoso.test> SIZE=1024 BODY=8BITMIME\r\n"u8.ToArray();
    private static readonly byte[] RcptLine = "RCPT TO:<receiver.name@example.com>"u8.ToArray();
    private static readonly byte[] EhloLine = "EHLO mail.contoso.test"u8.ToArray();
    private static readonly byte[] BdatLine = "BDAT 32768 LAST"u8.ToArray();
    private ReadOnlySequence<byte> _batch;

    /// <summary>Builds a pipelined batch of 10 transactions (MAIL, RCPT, RCPT, DATA) split in 4 KB segments.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var one = "MAIL FROM:<sender.name@contoso.test> SIZE=1024\r\nRCPT TO:<a@example.com>\r\nRCPT TO:<b@example.net>\r\nDATA\r\n"u8.ToArray();
        var all = Enumerable.Repeat(one, 10).SelectMany(b => b).ToArray();
        _batch = SequenceSegment.Split(all, 4096);
    }

    /// <summary>Finds the CRLF of the MAIL line.</summary>
    [Benchmark(Baseline = true)]
    public int FrameLine() => MailLine.AsSpan().IndexOf("\r\n"u8);

    /// <summary>MAIL FROM with SIZE and BODY parameters.</summary>
    [Benchmark]
    public SmtpCommand ParseMail()
    {
        SmtpCommandParser.TryParse(MailLine.AsSpan(0, MailLine.Length - 2), out var command, out _);
        return command;
    }

    /// <summary>RCPT TO.</summary>
    [Benchmark]
    public SmtpCommand ParseRcpt()
    {
        SmtpCommandParser.TryParse(RcptLine, out var command, out _);
        return command;
    }

    /// <summary>EHLO.</summary>
    [Benchmark]
    public SmtpCommand ParseEhlo()
    {
        SmtpCommandParser.TryParse(EhloLine, out var command, out _);
        return command;
    }

    /// <summary>BDAT n LAST (RFC 3030).</summary>
    [Benchmark]
    public SmtpCommand ParseBdat()
    {
        SmtpCommandParser.TryParse(BdatLine, out var command, out _);
        return command;
    }

    /// <summary>Frames and parses 40 pipelined commands from a 4 KB-segmented sequence (per batch, not per command).</summary>
    [Benchmark]
    public int ReadPipelinedBatchOf40()
    {
        var reader = new SequenceReader<byte>(_batch);
        var commands = new SmtpCommandReader();
        var n = 0;
        while (commands.TryParse(ref reader, out _, out _, out _)) n++;
        return n;
    }
}
