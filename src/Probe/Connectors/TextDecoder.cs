using System.Text;

namespace SmarthostLab.Probe.Connectors;

/// <summary>
/// Decodes exported text the way PowerShell and ldifde write it: UTF-16LE with BOM
/// (Windows PowerShell 5 <c>Out-File</c> / <c>&gt;</c>), UTF-8 with BOM (<c>-Encoding UTF8</c> in 5.x),
/// UTF-8 without BOM (PowerShell 7), UTF-16 without BOM (detected by its zero bytes), or ANSI (ldifde).
/// </summary>
public static class TextDecoder
{
    /// <summary>Decodes <paramref name="bytes"/>, reporting the encoding that was detected.</summary>
    public static string Decode(ReadOnlySpan<byte> bytes, out string encodingName)
    {
        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            encodingName = "utf-8 (BOM)";
            return Encoding.UTF8.GetString(bytes[3..]);
        }

        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xFF, 0xFE]))
        {
            encodingName = "utf-16le (BOM)";
            return Encoding.Unicode.GetString(bytes[2..]);
        }

        if (bytes.StartsWith((ReadOnlySpan<byte>)[0xFE, 0xFF]))
        {
            encodingName = "utf-16be (BOM)";
            return Encoding.BigEndianUnicode.GetString(bytes[2..]);
        }

        if (LooksLikeUtf16(bytes, littleEndian: true))
        {
            encodingName = "utf-16le";
            return Encoding.Unicode.GetString(bytes);
        }

        if (LooksLikeUtf16(bytes, littleEndian: false))
        {
            encodingName = "utf-16be";
            return Encoding.BigEndianUnicode.GetString(bytes);
        }

        try
        {
            var strict = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
            encodingName = "utf-8";
            return strict.GetString(bytes);
        }
        catch (DecoderFallbackException)
        {
            encodingName = "latin-1";
            return Encoding.Latin1.GetString(bytes);
        }
    }

    // ASCII text in UTF-16 has a zero byte in every other position.
    private static bool LooksLikeUtf16(ReadOnlySpan<byte> bytes, bool littleEndian)
    {
        if (bytes.Length < 4 || bytes.Length % 2 != 0)
        {
            return false;
        }

        var sample = bytes[..Math.Min(bytes.Length, 512)];
        int zeroInHigh = 0, pairs = sample.Length / 2;
        for (var i = 0; i + 1 < sample.Length; i += 2)
        {
            var high = littleEndian ? sample[i + 1] : sample[i];
            var low = littleEndian ? sample[i] : sample[i + 1];
            if (high == 0 && low != 0)
            {
                zeroInHigh++;
            }
        }

        return zeroInHigh * 10 >= pairs * 9;
    }
}
