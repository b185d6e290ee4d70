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
            foreach (var b in input)
            {
                if (_pendingCr)
                {
                    _pendingCr = false;
                    if (b == (byte)'\n')
                    {
                        EndLine();
                        continue;
                    }
                    Text((byte)'\r');
                }

                switch (b)
                {
                    case (byte)'\r':
                        _pendingCr = true;
                        break;
                    case (byte)'\n':
                        EndLine();
                        break;
                    case (byte)' ' or (byte)'\t' when relaxed:
                        _pendingSpace = true;
                        break;
                    default:
                        Text(b);
                        break;
                }
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
                else Text((byte)'\r');
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

        private void Text(byte b)
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
            Emit(b);
            _anyText = true;
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
