namespace SmarthostLab.Tests.Support;

/// <summary>One command line received by <see cref="ScriptedSmtpServer"/>, as a rule sees it and as it is recorded.</summary>
public sealed class ScriptedCommand
{
    internal ScriptedCommand(int connectionNumber, int readNumber, string line, bool isTls, ScriptedTransaction? transaction)
    {
        ConnectionNumber = connectionNumber;
        ReadNumber = readNumber;
        Line = line;
        IsTls = isTls;
        Transaction = transaction;
        var space = line.IndexOf(' ');
        Verb = (space < 0 ? line : line[..space]).ToUpperInvariant();
        Argument = space < 0 ? "" : line[(space + 1)..];
        if (Verb is "MAIL" or "RCPT") (Address, Parameters) = SplitPath(Argument);
    }

    /// <summary>The connection it came on (1 for the first connection accepted).</summary>
    public int ConnectionNumber { get; }

    /// <summary>
    /// Which socket read of its connection completed the line (1, 2, …). Commands that share a number arrived
    /// together, e.g. a pipelined MAIL FROM and its RCPT TO commands (RFC 2920).
    /// </summary>
    public int ReadNumber { get; }

    /// <summary>The line as received, without CRLF, e.g. "RCPT TO:&lt;bob@example.com&gt; NOTIFY=FAILURE".</summary>
    public string Line { get; }

    /// <summary>The command word in upper case, e.g. "RCPT".</summary>
    public string Verb { get; }

    /// <summary>Everything after the first space, e.g. "TO:&lt;bob@example.com&gt; NOTIFY=FAILURE"; "" when none.</summary>
    public string Argument { get; }

    /// <summary>For MAIL and RCPT: the path between the angle brackets ("" for &lt;&gt;); otherwise null.</summary>
    public string? Address { get; }

    /// <summary>For MAIL and RCPT: the parameters after the path, e.g. ["SIZE=1234", "BODY=8BITMIME"]; otherwise empty.</summary>
    public IReadOnlyList<string> Parameters { get; } = [];

    /// <summary>True when it came inside TLS.</summary>
    public bool IsTls { get; }

    /// <summary>The transaction open when it arrived, or the one a MAIL FROM started; null outside a transaction.</summary>
    public ScriptedTransaction? Transaction { get; internal set; }

    /// <summary>The reply the server sent to it (null while a rule is deciding, or when it closed without replying).</summary>
    public string? Reply { get; internal set; }

    /// <summary>True when <see cref="Reply"/> is 2xx or 3xx.</summary>
    public bool IsAccepted => Reply is [('2' or '3'), ..];

    /// <inheritdoc />
    public override string ToString() => Reply is null ? Line : $"{Line} -> {Reply.ReplaceLineEndings(" / ")}";

    private static (string? Address, IReadOnlyList<string> Parameters) SplitPath(string argument)
    {
        var open = argument.IndexOf('<');
        var close = open < 0 ? -1 : argument.IndexOf('>', open);
        if (close < 0) return (null, []);
        return (argument[(open + 1)..close], argument[(close + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }
}
