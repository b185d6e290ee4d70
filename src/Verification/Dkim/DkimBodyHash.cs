using System.Buffers;
using System.Security.Cryptography;
using MimeKit.Cryptography;

namespace SmarthostLab.Verification.Dkim;

/// <summary>
/// The DKIM body hash (RFC 6376 3.7 bh=) over the body bytes as received: the simple (3.4.3) or relaxed (3.4.4)
/// canonical form is produced in one pass over the message stream and fed to the platform hash, without a
/// canonical copy of the body. Line ends are LF with an optional CR before it, so an LF-only message hashes
/// as its CRLF form (as MimeKit's Unix2Dos filter did); a CR not followed by LF is body text (see Finish for one at the end).
/// </summary>
internal static class DkimBodyHash
{
    private const int ChunkSize = 16 * 1024;
    private static readonly SearchValues<byte> SimpleSpecial = SearchValues.Create("\r\n"u8);
    private static readonly SearchValues<byte> RelaxedSpecial = SearchValues.Create("\r\n\t"u8);

    /// <summary>
    /// Hashes the body of <paramref name="message"/>, which starts at <paramref name="bodyOffset"/> and runs to the
    /// end of the stream, into <paramref name="destination"/>; at most the first <paramref name="length"/> octets of
    /// the canonical body (l=) when that is not negative. Returns the hash length.
    /// </summary>
    public static int Compute(Stream message, long bodyOffset, DkimCanonicalizationAlgorithm canonicalization, long length,
        HashAlgorithmName algorithm, Span<byte> destination)
    {
        using var hash = IncrementalHash.CreateHash(algorithm);
        var input = ArrayPool<byte>.Shared.Rent(ChunkSize);
        var output = ArrayPool<byte>.Shared.Rent(ChunkSize);
        try
        {
            var canonicalizer = new Canonicalizer(hash, output, canonicalization == DkimCanonicalizationAlgorithm.Relaxed, length < 0 ? long.MaxValue : length);
            message.Position = bodyOffset;
            int read;
            while (!canonicalizer.Full && (read = message.Read(input, 0, ChunkSize)) > 0)
            {
                canonicalizer.Write(input.AsSpan(0, read));
            }
            canonicalizer.Finish();
            return hash.GetHashAndReset(destination);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(input);
            ArrayPool<byte>.Shared.Return(output);
        }
    }

    /// <summary>
    /// The canonicalization state between chunks. Line ends and (relaxed) white space are held back until
    /// text follows them, so trailing empty lines and trailing white space are dropped without look-ahead.
    /// Output collects in <c>buffer</c> and goes to the hash whenever it fills.
    /// </summary>
    private sealed class Canonicalizer(IncrementalHash hash, byte[] buffer, bool relaxed, long limit)
    {
        private long _left = limit;
        private int _buffered;
        private long _pendingLineEnds; // CRLFs owed before the next text
        private bool _pendingSpace; // relaxed: a run of WSP owed as one SP before the next text on this line
        private bool _pendingCr; // a CR that is a line end if LF follows, else text
        private bool _anyText;

        public bool Full => _left == 0;

        public void Write(ReadOnlySpan<byte> input)
        {
            // Text between the bytes that matter (CR, LF and, relaxed, HT) is copied as a run, not byte by byte.
            var special = relaxed ? RelaxedSpecial : SimpleSpecial;
            while (!input.IsEmpty && _left > 0)
            {
                if (_pendingCr)
                {
                    _pendingCr = false;
                    if (input[0] == (byte)'\n')
                    {
                        EndLine();
                        input = input[1..];
                        continue;
                    }
                    Text("\r"u8);
                }

                var run = input.IndexOfAny(special);
                if (run != 0)
                {
                    if (run < 0) run = input.Length;
                    if (relaxed) RelaxedText(input[..run]);
                    else Text(input[..run]);
                    input = input[run..];
                    continue;
                }

                switch (input[0])
                {
                    case (byte)'\r':
                        _pendingCr = true;
                        break;
                    case (byte)'\n':
                        EndLine();
                        break;
                    default: // HT, relaxed
                        _pendingSpace = true;
                        break;
                }
                input = input[1..];
            }
        }

        /// <summary>The end of the body: a final CRLF after the last text; an empty simple body is one CRLF.</summary>
        public void Finish()
        {
            if (_pendingCr)
            {
                // A CR that ends the body without its LF: text for simple; relaxed takes it as the last line's end
                // (as MimeKit does). Neither can come through SMTP DATA, whose data ends in CRLF.
                _pendingCr = false;
                if (relaxed) EndLine();
                else Text("\r"u8);
            }
            if (_anyText || !relaxed)
            {
                Emit((byte)'\r');
                Emit((byte)'\n');
            }
            hash.AppendData(buffer, 0, _buffered);
            _buffered = 0;
        }

        private void EndLine()
        {
            _pendingSpace = false;
            _pendingLineEnds++;
        }

        /// <summary>
        /// Relaxed text holding no CR, LF or HT: each run of spaces becomes one, owed until text follows it on the
        /// line; the text between is copied as it is (a single space between words included).
        /// </summary>
        private void RelaxedText(ReadOnlySpan<byte> text)
        {
            while (!text.IsEmpty)
            {
                var start = text.IndexOfAnyExcept((byte)' ');
                if (start != 0)
                {
                    _pendingSpace = true;
                    if (start < 0) return;
                    text = text[start..];
                }
                var end = text.IndexOf("  "u8);
                if (end < 0) end = text[^1] == (byte)' ' ? text.Length - 1 : text.Length;
                Text(text[..end]);
                text = text[end..];
            }
        }

        /// <summary>Text: the line ends and the space it was owed, then its bytes (up to the l= limit).</summary>
        private void Text(ReadOnlySpan<byte> text)
        {
            for (; _pendingLineEnds > 0 && _left > 0; _pendingLineEnds--)
            {
                Emit((byte)'\r');
                Emit((byte)'\n');
            }
            if (_pendingSpace)
            {
                Emit((byte)' ');
                _pendingSpace = false;
            }
            _anyText = true;
            if (text.Length > _left) text = text[..(int)_left];
            _left -= text.Length;
            while (!text.IsEmpty)
            {
                if (_buffered == buffer.Length)
                {
                    hash.AppendData(buffer, 0, _buffered);
                    _buffered = 0;
                }
                var n = Math.Min(text.Length, buffer.Length - _buffered);
                text[..n].CopyTo(buffer.AsSpan(_buffered));
                _buffered += n;
                text = text[n..];
            }
        }

        private void Emit(byte b)
        {
            if (_left == 0) return;
            _left--;
            if (_buffered == buffer.Length)
            {
                hash.AppendData(buffer, 0, _buffered);
                _buffered = 0;
            }
            buffer[_buffered++] = b;
        }
    }
}
