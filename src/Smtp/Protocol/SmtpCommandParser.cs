using System.Buffers;
using System.Text;
using System.Text.Unicode;

namespace SmarthostLab.Smtp.Protocol;

/// <summary>
/// Parses one command line (without its CRLF) into a <see cref="SmtpCommand"/> (RFC 5321 4.1.1, RFC 3030 2,
/// RFC 3207 4, RFC 4954 4). Syntax errors come back as replies: unknown verb 500 5.5.1, bad arguments 501 5.5.4,
/// bad MAIL address 501 5.1.7, bad RCPT address 501 5.1.3. Pure and synchronous.
/// </summary>
public static class SmtpCommandParser
{
    /// <summary>Parses a line held in a sequence (copied to the stack when it spans segments).</summary>
    public static bool TryParse(in ReadOnlySequence<byte> line, out SmtpCommand command, out SmtpReply? error)
    {
        if (line.IsSingleSegment) return TryParse(line.FirstSpan, out command, out error);
        if (line.Length > SmtpLineReader.MaxLineLength)
        {
            command = new SmtpCommand(SmtpCommandKind.Unknown);
            error = SmtpReplies.CommandLineTooLong;
            return false;
        }
        Span<byte> copy = stackalloc byte[(int)line.Length];
        line.CopyTo(copy);
        return TryParse(copy, out command, out error);
    }

    /// <summary>Parses one command line. Returns false with <paramref name="error"/> set when it is not a valid command.</summary>
    public static bool TryParse(ReadOnlySpan<byte> line, out SmtpCommand command, out SmtpReply? error)
    {
        error = null;
        var verbEnd = line.IndexOf((byte)' ');
        var verb = verbEnd < 0 ? line : line[..verbEnd];
        var args = verbEnd < 0 ? [] : line[(verbEnd + 1)..];
        var kind = Classify(verb);
        command = new SmtpCommand(kind);
        switch (kind)
        {
            case SmtpCommandKind.Unknown:
                error = SmtpReplies.CommandUnrecognized;
                return false;
            case SmtpCommandKind.Helo:
            case SmtpCommandKind.Ehlo:
                return TryMakeHelo(args.Trim((byte)' '), ref command, ref error);
            case SmtpCommandKind.Mail:
                return TryMakeMail(args, ref command, ref error);
            case SmtpCommandKind.Rcpt:
                return TryMakeRcpt(args, ref command, ref error);
            case SmtpCommandKind.Bdat:
                return TryMakeBdat(args, ref command, ref error);
            case SmtpCommandKind.Auth:
                return TryMakeAuth(args.Trim((byte)' '), ref command, ref error);
            case SmtpCommandKind.Data:
            case SmtpCommandKind.Rset:
            case SmtpCommandKind.Quit:
            case SmtpCommandKind.StartTls:
                if (!args.Trim((byte)' ').IsEmpty)
                {
                    error = SmtpReplies.SyntaxError;
                    return false;
                }
                return true;
            case SmtpCommandKind.Vrfy:
                if (args.Trim((byte)' ').IsEmpty)
                {
                    error = SmtpReplies.SyntaxError;
                    return false;
                }
                return true;
            default:
                return true; // NOOP, HELP: argument ignored
        }
    }

    /// <summary>The verb, compared case-insensitively as ASCII (RFC 5321 2.4).</summary>
    public static SmtpCommandKind Classify(ReadOnlySpan<byte> verb)
    {
        if (verb.Length == 4)
        {
            if (Ascii.EqualsIgnoreCase(verb, "MAIL"u8)) return SmtpCommandKind.Mail;
            if (Ascii.EqualsIgnoreCase(verb, "RCPT"u8)) return SmtpCommandKind.Rcpt;
            if (Ascii.EqualsIgnoreCase(verb, "DATA"u8)) return SmtpCommandKind.Data;
            if (Ascii.EqualsIgnoreCase(verb, "BDAT"u8)) return SmtpCommandKind.Bdat;
            if (Ascii.EqualsIgnoreCase(verb, "EHLO"u8)) return SmtpCommandKind.Ehlo;
            if (Ascii.EqualsIgnoreCase(verb, "HELO"u8)) return SmtpCommandKind.Helo;
            if (Ascii.EqualsIgnoreCase(verb, "RSET"u8)) return SmtpCommandKind.Rset;
            if (Ascii.EqualsIgnoreCase(verb, "NOOP"u8)) return SmtpCommandKind.Noop;
            if (Ascii.EqualsIgnoreCase(verb, "QUIT"u8)) return SmtpCommandKind.Quit;
            if (Ascii.EqualsIgnoreCase(verb, "VRFY"u8)) return SmtpCommandKind.Vrfy;
            if (Ascii.EqualsIgnoreCase(verb, "HELP"u8)) return SmtpCommandKind.Help;
            if (Ascii.EqualsIgnoreCase(verb, "AUTH"u8)) return SmtpCommandKind.Auth;
        }
        else if (verb.Length == 8 && Ascii.EqualsIgnoreCase(verb, "STARTTLS"u8))
        {
            return SmtpCommandKind.StartTls;
        }
        return SmtpCommandKind.Unknown;
    }

    /// <summary>
    /// ehlo = "EHLO" SP ( Domain / address-literal ); helo = "HELO" SP Domain. Lenient like most MTAs: any
    /// argument of printable characters without spaces is accepted (RFC 5321 4.1.4 forbids refusing mail over it);
    /// a missing one is 501 5.5.4.
    /// </summary>
    private static bool TryMakeHelo(ReadOnlySpan<byte> args, ref SmtpCommand command, ref SmtpReply? error)
    {
        var i = 0;
        // The grammar takes any octet >= 0x80 as part of a U-label; only well-formed UTF-8 is one (RFC 6531 3.3). Without
        // this check "EHLO ex\xE4mple" was accepted and its name stored as "ex\uFFFDmple" (found by fuzzing).
        var valid = (SmtpGrammar.TryMakeDomain(args, ref i) || SmtpGrammar.TryMakeAddressLiteral(args, ref i)) && i == args.Length && Utf8.IsValid(args);
        if (!valid)
        {
            if (args.IsEmpty || args.IndexOfAnyInRange((byte)0, (byte)32) >= 0 || args.Contains((byte)127) || !Utf8.IsValid(args))
            {
                error = new SmtpReply(501, "5.5.4", $"{(command.Kind == SmtpCommandKind.Ehlo ? "EHLO" : "HELO")} requires a domain name or address literal");
                return false;
            }
        }
        command = command with { Argument = Encoding.UTF8.GetString(args) };
        return true;
    }

    /// <summary>mail = "MAIL FROM:" Reverse-path [SP Mail-parameters].</summary>
    private static bool TryMakeMail(ReadOnlySpan<byte> args, ref SmtpCommand command, ref SmtpReply? error)
    {
        if (!TrySkipKeyword(ref args, "FROM:"u8))
        {
            error = SmtpReplies.SyntaxError;
            return false;
        }
        var i = 0;
        if (!SmtpGrammar.TryMakeReversePath(args, ref i, out var mailbox) || !Utf8.IsValid(args[mailbox]))
        {
            error = SmtpReplies.BadSenderSyntax;
            return false;
        }
        return TryFinishPathCommand(args, i, mailbox, ref command, ref error);
    }

    /// <summary>rcpt = "RCPT TO:" ( "&lt;Postmaster@" Domain "&gt;" / "&lt;Postmaster&gt;" / Forward-path ) [SP Rcpt-parameters].</summary>
    private static bool TryMakeRcpt(ReadOnlySpan<byte> args, ref SmtpCommand command, ref SmtpReply? error)
    {
        if (!TrySkipKeyword(ref args, "TO:"u8))
        {
            error = SmtpReplies.SyntaxError;
            return false;
        }
        var i = 0;
        if (!SmtpGrammar.TryMakePath(args, ref i, allowPostmaster: true, out var mailbox) || !Utf8.IsValid(args[mailbox]))
        {
            error = SmtpReplies.BadRecipientSyntax;
            return false;
        }
        return TryFinishPathCommand(args, i, mailbox, ref command, ref error);
    }

    /// <summary>"FROM:" / "TO:" case-insensitive, then optional spaces (tolerated, as most MTAs do).</summary>
    private static bool TrySkipKeyword(ref ReadOnlySpan<byte> args, ReadOnlySpan<byte> keyword)
    {
        if (args.Length < keyword.Length || !Ascii.EqualsIgnoreCase(args[..keyword.Length], keyword)) return false;
        args = args[keyword.Length..].TrimStart((byte)' ');
        return true;
    }

    /// <summary>Mail-parameters = esmtp-param *(SP esmtp-param), after the path.</summary>
    private static bool TryFinishPathCommand(ReadOnlySpan<byte> args, int i, Range mailbox, ref SmtpCommand command, ref SmtpReply? error)
    {
        List<EsmtpParameter>? parameters = null;
        while (i < args.Length)
        {
            if (args[i] != ' ')
            {
                error = SmtpReplies.SyntaxError;
                return false;
            }
            while (i < args.Length && args[i] == ' ') i++;
            if (i == args.Length) break;
            if (!SmtpGrammar.TryMakeEsmtpParam(args, ref i, out var keyword, out var value))
            {
                error = SmtpReplies.SyntaxError;
                return false;
            }
            var v = args[value];
            if (!Utf8.IsValid(v))
            {
                error = SmtpReplies.SyntaxError; // esmtp-value's UTF8-non-ascii is well-formed UTF-8 (RFC 6531 3.3)
                return false;
            }
            parameters ??= new List<EsmtpParameter>(2);
            parameters.Add(new EsmtpParameter(
                ToUpperAscii(args[keyword]),
                v.IsEmpty ? null : Encoding.UTF8.GetString(v)));
        }
        var box = args[mailbox];
        command = command with
        {
            Argument = box.IsEmpty ? string.Empty : Encoding.UTF8.GetString(box),
            Parameters = parameters ?? (IReadOnlyList<EsmtpParameter>)[],
            IsNonAscii = box.IndexOfAnyExceptInRange((byte)0, (byte)127) >= 0,
        };
        return true;
    }

    /// <summary>bdat-cmd = "BDAT" SP chunk-size [ SP end-marker ]; chunk-size = 1*DIGIT; end-marker = "LAST" (RFC 3030 2).</summary>
    private static bool TryMakeBdat(ReadOnlySpan<byte> args, ref SmtpCommand command, ref SmtpReply? error)
    {
        var sp = args.IndexOf((byte)' ');
        var size = sp < 0 ? args : args[..sp];
        var rest = sp < 0 ? [] : args[(sp + 1)..].Trim((byte)' ');
        long value = 0;
        var ok = size.Length is > 0 and <= 18;
        foreach (var b in size)
        {
            if (!char.IsAsciiDigit((char)b)) ok = false;
            else value = value * 10 + (b - '0');
        }
        var last = false;
        if (!rest.IsEmpty)
        {
            if (Ascii.EqualsIgnoreCase(rest, "LAST"u8)) last = true;
            else ok = false;
        }
        if (!ok)
        {
            error = SmtpReplies.SyntaxError;
            return false;
        }
        command = command with { ChunkSize = value, IsLast = last };
        return true;
    }

    /// <summary>
    /// auth-command = "AUTH" SP sasl-mech [SP initial-response]; sasl-mech = 1*20(UPPER-ALPHA / DIGIT / "-" / "_")
    /// (RFC 4954 4, RFC 4422 3.1; compared case-insensitively, kept upper-cased); initial-response = base64 / "=".
    /// The response is only checked to be one word of printable ASCII here; its base64 is the session's to decode.
    /// </summary>
    private static bool TryMakeAuth(ReadOnlySpan<byte> args, ref SmtpCommand command, ref SmtpReply? error)
    {
        var sp = args.IndexOf((byte)' ');
        var mechanism = sp < 0 ? args : args[..sp];
        var response = sp < 0 ? [] : args[(sp + 1)..].TrimStart((byte)' ');
        var ok = mechanism.Length is > 0 and <= 20;
        foreach (var b in mechanism)
        {
            if (!(char.IsAsciiLetterOrDigit((char)b) || b is (byte)'-' or (byte)'_')) ok = false;
        }
        if (response.IndexOfAnyExceptInRange((byte)33, (byte)126) >= 0) ok = false;
        if (!ok)
        {
            error = SmtpReplies.SyntaxError;
            return false;
        }
        command = command with
        {
            Argument = Encoding.ASCII.GetString(mechanism).ToUpperInvariant(),
            InitialResponse = response.IsEmpty ? null : Encoding.ASCII.GetString(response),
        };
        return true;
    }

    private static string ToUpperAscii(ReadOnlySpan<byte> s)
    {
        if (Ascii.EqualsIgnoreCase(s, "SIZE"u8)) return "SIZE";
        if (Ascii.EqualsIgnoreCase(s, "BODY"u8)) return "BODY";
        if (Ascii.EqualsIgnoreCase(s, "SMTPUTF8"u8)) return "SMTPUTF8";
        if (Ascii.EqualsIgnoreCase(s, "RET"u8)) return "RET";
        if (Ascii.EqualsIgnoreCase(s, "ENVID"u8)) return "ENVID";
        if (Ascii.EqualsIgnoreCase(s, "NOTIFY"u8)) return "NOTIFY";
        if (Ascii.EqualsIgnoreCase(s, "ORCPT"u8)) return "ORCPT";
        return string.Create(s.Length, s.ToArray(), static (chars, bytes) =>
        {
            for (var k = 0; k < bytes.Length; k++) chars[k] = char.ToUpperInvariant((char)bytes[k]);
        });
    }
}
