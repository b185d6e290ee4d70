using System.Text;

namespace SmarthostLab.Tests.Support;

/// <summary>
/// One mail transaction seen by <see cref="ScriptedSmtpServer"/>, from the accepted MAIL FROM on. Everything is
/// recorded before the reply it leads to is sent, so a client that has the reply can read the record.
/// </summary>
public sealed class ScriptedTransaction
{
    private readonly List<ScriptedCommand> _recipients = [];
    private readonly MemoryStream _content = new();
    private readonly MemoryStream _wire = new();

    internal ScriptedTransaction(int number, ScriptedCommand mail)
    {
        Number = number;
        Mail = mail;
    }

    /// <summary>1 for the first transaction the server saw (over all connections), 2 for the next, …</summary>
    public int Number { get; }

    /// <summary>The connection it came on.</summary>
    public int ConnectionNumber => Mail.ConnectionNumber;

    /// <summary>The MAIL FROM command, with its raw line and parameters.</summary>
    public ScriptedCommand Mail { get; }

    /// <summary>The reverse path ("" for the null sender).</summary>
    public string MailFrom => Mail.Address ?? "";

    /// <summary>Every RCPT TO of the transaction, accepted or not, with its raw line, parameters and reply.</summary>
    public IReadOnlyList<ScriptedCommand> Recipients
    {
        get
        {
            lock (_recipients) return [.. _recipients];
        }
    }

    /// <summary>The addresses whose RCPT TO got a 2xx reply.</summary>
    public IReadOnlyList<string> AcceptedRecipients => [.. Recipients.Where(r => r.IsAccepted).Select(r => r.Address ?? "")];

    /// <summary>True when the content came with BDAT (RFC 3030), false for DATA.</summary>
    public bool UsedBdat { get; internal set; }

    /// <summary>The message content: dot-stuffing removed for DATA (the end-of-data line excluded), the chunks joined for BDAT.</summary>
    public byte[] Content
    {
        get
        {
            lock (_content) return _content.ToArray();
        }
    }

    /// <summary><see cref="Content"/> as UTF-8 text.</summary>
    public string ContentText => Encoding.UTF8.GetString(Content);

    /// <summary>The octets received after 354 (DATA: stuffed, with the final ".\r\n") or in the BDAT chunks, exactly.</summary>
    public byte[] WireContent
    {
        get
        {
            lock (_content) return _wire.ToArray();
        }
    }

    /// <summary>True once the end of the content arrived (the end-of-data line, or the LAST chunk).</summary>
    public bool Completed { get; internal set; }

    /// <summary>The reply sent after the content; null before it, or when the content never ended.</summary>
    public string? EndReply { get; internal set; }

    /// <summary>True when the connection ended, or RSET, EHLO, HELO or STARTTLS discarded it, before the content ended.</summary>
    public bool Abandoned { get; internal set; }

    /// <inheritdoc />
    public override string ToString() =>
        $"#{Number} on connection {ConnectionNumber}: {Mail.Line}; {string.Join("; ", Recipients)}; {Content.Length} octets; " +
        (Completed ? "ended -> " + EndReply : Abandoned ? "abandoned" : "open");

    internal void AddRecipient(ScriptedCommand rcpt)
    {
        lock (_recipients) _recipients.Add(rcpt);
    }

    internal void Append(ReadOnlySpan<byte> wire, ReadOnlySpan<byte> content)
    {
        lock (_content)
        {
            _wire.Write(wire);
            _content.Write(content);
        }
    }
}
