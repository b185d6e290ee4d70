using System.Text;

namespace SmarthostLab.Verification.Dns;

/// <summary>
/// Splits an RFC 1035 5.1 master file into entries: ';' comments, parentheses that continue an
/// entry over several lines, quoted character-strings, and \X / \DDD escapes.
/// </summary>
internal static class ZoneTokenizer
{
    public static List<ZoneEntry> Tokenize(string text, string fileName)
    {
        var entries = new List<ZoneEntry>();
        var tokens = new List<ZoneToken>();
        var word = new StringBuilder();
        var line = 1;
        var entryLine = 1;
        var depth = 0;
        var parenLine = 0;
        var atLineStart = true;
        var blankOwner = false;
        var i = 0;

        void FlushWord(bool quoted)
        {
            if (word.Length > 0 || quoted)
            {
                tokens.Add(new ZoneToken(word.ToString(), quoted));
                word.Clear();
            }
        }

        void FlushEntry()
        {
            FlushWord(false);
            if (tokens.Count > 0)
            {
                entries.Add(new ZoneEntry(entryLine, blankOwner, [.. tokens]));
                tokens.Clear();
            }
        }

        while (i < text.Length)
        {
            var c = text[i];
            if (atLineStart && depth == 0)
            {
                atLineStart = false;
                entryLine = line;
                blankOwner = c is ' ' or '\t';
            }

            switch (c)
            {
                case '\n':
                    line++;
                    i++;
                    if (depth == 0)
                    {
                        FlushEntry();
                        atLineStart = true;
                    }
                    else
                    {
                        FlushWord(false);
                    }

                    continue;
                case '\r' or ' ' or '\t':
                    FlushWord(false);
                    i++;
                    continue;
                case ';':
                    FlushWord(false);
                    while (i < text.Length && text[i] != '\n')
                    {
                        i++;
                    }

                    continue;
                case '(':
                    FlushWord(false);
                    if (depth++ == 0)
                    {
                        parenLine = line;
                    }

                    i++;
                    continue;
                case ')':
                    FlushWord(false);
                    if (depth == 0)
                    {
                        throw new ZoneFileException(fileName, line, "')' without '('");
                    }

                    depth--;
                    i++;
                    continue;
                case '"':
                {
                    FlushWord(false);
                    i++;
                    var start = line;
                    while (true)
                    {
                        if (i >= text.Length)
                        {
                            throw new ZoneFileException(fileName, start, "unterminated quoted string");
                        }

                        var q = text[i];
                        if (q == '"')
                        {
                            i++;
                            break;
                        }

                        if (q == '\n')
                        {
                            throw new ZoneFileException(fileName, start, "unterminated quoted string (line break inside quotes)");
                        }

                        if (q == '\\')
                        {
                            i = Escape(text, i, word, fileName, line);
                            continue;
                        }

                        word.Append(q);
                        i++;
                    }

                    FlushWord(true);
                    continue;
                }

                case '\\':
                    i = Escape(text, i, word, fileName, line);
                    continue;
                default:
                    word.Append(c);
                    i++;
                    continue;
            }
        }

        if (depth > 0)
        {
            throw new ZoneFileException(fileName, parenLine, "'(' without ')'");
        }

        FlushEntry();
        return entries;
    }

    /// <summary>\DDD (a decimal octet) or \X (X itself), RFC 1035 5.1.</summary>
    private static int Escape(string text, int i, StringBuilder word, string fileName, int line)
    {
        if (i + 1 >= text.Length || text[i + 1] == '\n')
        {
            throw new ZoneFileException(fileName, line, "'\\' at end of line");
        }

        if (char.IsAsciiDigit(text[i + 1]))
        {
            if (i + 3 >= text.Length || !char.IsAsciiDigit(text[i + 2]) || !char.IsAsciiDigit(text[i + 3]))
            {
                throw new ZoneFileException(fileName, line, "escape \\DDD needs three decimal digits");
            }

            var value = ((text[i + 1] - '0') * 100) + ((text[i + 2] - '0') * 10) + (text[i + 3] - '0');
            if (value > 255)
            {
                throw new ZoneFileException(fileName, line, $"escape \\{text.Substring(i + 1, 3)} is not an octet");
            }

            word.Append((char)value);
            return i + 4;
        }

        word.Append(text[i + 1]);
        return i + 2;
    }
}
