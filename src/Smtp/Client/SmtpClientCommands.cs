using System.Buffers;
using System.Globalization;
using System.Text;

namespace SmarthostLab.Smtp.Client;

/// <summary>
/// The command lines the client sends (RFC 5321 4.1.1), written as UTF-8 into a buffer; and the checks that keep a
/// caller's strings from breaking out of their line. Pure.
/// </summary>
internal static class SmtpClientCommands
{
    /// <summary>
    /// Throws <see cref="ArgumentException"/> when a string of the transaction could inject or break a command line:
    /// CR, LF or NUL anywhere, or a parameter that is empty or holds a space. Called before anything is sent.
    /// </summary>
    public static void Validate(OutboundTransaction transaction)
    {
        ArgumentNullException.ThrowIfNull(transaction);
        if (transaction.Recipients is not { Count: > 0 })
            throw new ArgumentException("a transaction needs at least one recipient", nameof(transaction));
        CheckPath(transaction.MailFrom, "MAIL FROM address");
        CheckParameters(transaction.MailParameters, "MAIL FROM");
        foreach (var recipient in transaction.Recipients)
        {
            ArgumentNullException.ThrowIfNull(recipient, nameof(transaction));
            CheckPath(recipient.Address, "RCPT TO address");
            CheckParameters(recipient.Parameters, "RCPT TO:<" + recipient.Address + ">");
        }
    }

    /// <summary>Throws <see cref="ArgumentException"/> for an empty HELO name or one with a space, CR, LF or NUL.</summary>
    public static void ValidateHeloName(string heloName)
    {
        if (string.IsNullOrEmpty(heloName) || heloName.AsSpan().IndexOfAny(" \r\n\0") >= 0)
            throw new ArgumentException($"the HELO name \"{heloName}\" is empty or holds a space, CR, LF or NUL", nameof(heloName));
    }

    /// <summary><c>EHLO name</c> or <c>HELO name</c>.</summary>
    public static void WriteHello(IBufferWriter<byte> output, bool extended, string heloName)
    {
        output.Write(extended ? "EHLO "u8 : "HELO "u8);
        Encoding.UTF8.GetBytes(heloName, output);
        output.Write("\r\n"u8);
    }

    /// <summary><c>MAIL FROM:&lt;path&gt; parameters</c>.</summary>
    public static void WriteMail(IBufferWriter<byte> output, OutboundTransaction transaction) =>
        WritePathCommand(output, "MAIL FROM:<"u8, transaction.MailFrom, transaction.MailParameters);

    /// <summary><c>RCPT TO:&lt;path&gt; parameters</c>.</summary>
    public static void WriteRcpt(IBufferWriter<byte> output, OutboundRecipient recipient) =>
        WritePathCommand(output, "RCPT TO:<"u8, recipient.Address, recipient.Parameters);

    /// <summary><c>BDAT size LAST</c> (RFC 3030 2).</summary>
    public static void WriteBdatLast(IBufferWriter<byte> output, long size)
    {
        output.Write("BDAT "u8);
        var span = output.GetSpan(20);
        size.TryFormat(span, out var written, default, CultureInfo.InvariantCulture);
        output.Advance(written);
        output.Write(" LAST\r\n"u8);
    }

    private static void WritePathCommand(IBufferWriter<byte> output, ReadOnlySpan<byte> start, string path, IReadOnlyList<string> parameters)
    {
        output.Write(start);
        Encoding.UTF8.GetBytes(path, output);
        output.Write(">"u8);
        foreach (var parameter in parameters)
        {
            output.Write(" "u8);
            Encoding.UTF8.GetBytes(parameter, output);
        }
        output.Write("\r\n"u8);
    }

    private static void CheckPath(string path, string what)
    {
        if (path is null) throw new ArgumentException($"the {what} is null (use \"\" for the null sender)", "transaction");
        if (path.AsSpan().IndexOfAny("\r\n\0") >= 0)
            throw new ArgumentException($"the {what} \"{path.ReplaceLineEndings(" ")}\" holds CR, LF or NUL", "transaction");
    }

    private static void CheckParameters(IReadOnlyList<string> parameters, string command)
    {
        if (parameters is null) throw new ArgumentException($"the parameters of {command} are null (use [] for none)", "transaction");
        foreach (var parameter in parameters)
        {
            if (string.IsNullOrEmpty(parameter) || parameter.AsSpan().IndexOfAny(" \r\n\0") >= 0)
                throw new ArgumentException($"the {command} parameter \"{parameter?.ReplaceLineEndings(" ")}\" is empty or holds a space, CR, LF or NUL", "transaction");
        }
    }
}
