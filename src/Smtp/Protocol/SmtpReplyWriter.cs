using System.Buffers;
using System.Text;

namespace SmarthostLab.Smtp.Protocol;

/// <summary>
/// Writes a <see cref="SmtpReply"/> as UTF-8 octets in one pass (RFC 5321 4.2: <c>code SP text CRLF</c>,
/// multi-line <c>code "-" text CRLF</c>; the enhanced status code of RFC 2034 follows the basic code).
/// </summary>
public static class SmtpReplyWriter
{
    /// <summary>Writes every line of <paramref name="reply"/> to <paramref name="output"/>.</summary>
    public static void Write(IBufferWriter<byte> output, SmtpReply reply)
    {
        var text = reply.Text.AsSpan();
        while (true)
        {
            var nl = text.IndexOf('\n');
            var line = (nl < 0 ? text : text[..nl]).TrimEnd('\r');
            WriteLine(output, reply.Code, nl >= 0, reply.EnhancedCode, line);
            if (nl < 0) return;
            text = text[(nl + 1)..];
        }
    }

    /// <summary>The reply as one byte array (tests, pre-encoded replies).</summary>
    public static byte[] ToBytes(SmtpReply reply)
    {
        var buffer = new ArrayBufferWriter<byte>(64);
        Write(buffer, reply);
        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteLine(IBufferWriter<byte> output, int code, bool more, string enhanced, ReadOnlySpan<char> line)
    {
        var span = output.GetSpan(6 + enhanced.Length + Encoding.UTF8.GetMaxByteCount(line.Length));
        span[0] = (byte)('0' + code / 100 % 10);
        span[1] = (byte)('0' + code / 10 % 10);
        span[2] = (byte)('0' + code % 10);
        span[3] = more ? (byte)'-' : (byte)' ';
        var pos = 4;
        if (enhanced.Length > 0)
        {
            pos += Encoding.ASCII.GetBytes(enhanced, span[pos..]);
            span[pos++] = (byte)' ';
        }
        pos += Encoding.UTF8.GetBytes(line, span[pos..]);
        span[pos++] = (byte)'\r';
        span[pos++] = (byte)'\n';
        output.Advance(pos);
    }
}
