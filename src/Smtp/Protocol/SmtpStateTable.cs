namespace SmarthostLab.Smtp.Protocol;

/// <summary>
/// The legal commands in each <see cref="SmtpState"/>, in one table (RFC 5321 4.1.4 ordering, RFC 3030 2 for
/// BDAT, RFC 3207 4 for STARTTLS, RFC 4954 4 for AUTH: outside a transaction only). Anything else is 503 5.5.1 (503 5.7.1 in a refused session).
/// </summary>
public static class SmtpStateTable
{
    private static uint Set(params SmtpCommandKind[] kinds)
    {
        uint mask = 0;
        foreach (var k in kinds) mask |= 1u << (int)k;
        return mask;
    }

    private static readonly uint Always = Set(SmtpCommandKind.Ehlo, SmtpCommandKind.Helo, SmtpCommandKind.Rset,
        SmtpCommandKind.Noop, SmtpCommandKind.Quit, SmtpCommandKind.Vrfy, SmtpCommandKind.Help);

    private static readonly uint[] Allowed =
    [
        /* Greeted        */ Always,
        /* Ready          */ Always | Set(SmtpCommandKind.Mail, SmtpCommandKind.StartTls, SmtpCommandKind.Auth),
        /* MailGiven      */ Always | Set(SmtpCommandKind.Rcpt),
        /* RecipientGiven */ Always | Set(SmtpCommandKind.Rcpt, SmtpCommandKind.Data, SmtpCommandKind.Bdat),
        /* Chunking       */ Always | Set(SmtpCommandKind.Bdat),
        /* Refused        */ Set(SmtpCommandKind.Quit),
    ];

    /// <summary>True when <paramref name="command"/> is legal in <paramref name="state"/>.</summary>
    public static bool IsAllowed(SmtpState state, SmtpCommandKind command) =>
        (Allowed[(int)state] & (1u << (int)command)) != 0;
}
