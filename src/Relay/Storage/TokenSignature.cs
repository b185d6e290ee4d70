using System.Buffers;
using System.Numerics;

namespace SmarthostLab.Relay.Storage;

/// <summary>
/// What the <see cref="TokenIndex"/> keeps of a message: a Bloom-style bit set of the trigram minimizers of its
/// Subject, Message-ID and header text. Trigrams are folded to ASCII lower case, as SQLite's LIKE folds. Of every
/// window of <see cref="Window"/> consecutive trigrams of a text only the one with the smallest hash is kept
/// (winnowing, Schleimer et al. 2003), so a message keeps about 2 in 7 of its trigrams. A token of at least
/// <see cref="MinTokenLength"/> characters has whole windows; where it occurs in a text, each of its windows is one
/// of the text's, with the same smallest hash. So a message whose signature lacks one of the token's minimizers
/// cannot contain the token; one that has them all may (false positives are left to the query's LIKE).
/// </summary>
internal static class TokenSignature
{
    /// <summary>Trigrams per window.</summary>
    public const int Window = 6;

    /// <summary>The shortest token that has a whole window: shorter ones cannot be looked up.</summary>
    public const int MinTokenLength = Window + 2;

    /// <summary>Smallest signature in 64-bit words (512 bits).</summary>
    public const int MinWords = 8;

    /// <summary>Largest signature in 64-bit words (2,048 bits): a huge header block fills it and is simply a candidate more often.</summary>
    public const int MaxWords = 32;

    /// <summary>The signature of a message's searchable texts: <see cref="MinWords"/> to <see cref="MaxWords"/> words (a power of two), about two bits per minimizer.</summary>
    public static ulong[] Of(string? subject, string? messageId, string headers)
    {
        var capacity = Trigrams(subject) + Trigrams(messageId) + Trigrams(headers);
        var hashes = ArrayPool<ulong>.Shared.Rent(Math.Max(capacity, 1));
        var selected = ArrayPool<ulong>.Shared.Rent(Math.Max(capacity, 1));
        try
        {
            var count = 0;
            count += Minimizers(subject, hashes, selected.AsSpan(count));
            count += Minimizers(messageId, hashes, selected.AsSpan(count));
            count += Minimizers(headers, hashes, selected.AsSpan(count));
            var words = (int)Math.Clamp(BitOperations.RoundUpToPowerOf2((uint)Math.Max(1, (count * 2 + 63) / 64)), MinWords, MaxWords);
            var signature = new ulong[words];
            foreach (var hash in selected.AsSpan(0, count)) Set(signature, hash);
            return signature;
        }
        finally
        {
            ArrayPool<ulong>.Shared.Return(hashes);
            ArrayPool<ulong>.Shared.Return(selected);
        }
    }

    /// <summary>The distinct minimizer hashes of <paramref name="token"/>, or null when it is shorter than <see cref="MinTokenLength"/>.</summary>
    public static ulong[]? QueryOf(string token)
    {
        if (token.Length < MinTokenLength) return null;
        var hashes = new ulong[token.Length - 2];
        var selected = new ulong[token.Length - 2];
        var count = Minimizers(token, hashes, selected);
        return [.. selected.Take(count).Distinct()];
    }

    /// <summary>True when <paramref name="signature"/> has the bit of every hash of <paramref name="query"/>.</summary>
    public static bool MayContain(ReadOnlySpan<ulong> signature, ReadOnlySpan<ulong> query)
    {
        var shift = 64 - BitOperations.Log2((uint)signature.Length * 64);
        foreach (var hash in query)
        {
            var bit = Position(hash, shift);
            if ((signature[bit >> 6] & (1UL << bit)) == 0) return false;
        }
        return true;
    }

    private static void Set(Span<ulong> signature, ulong hash)
    {
        var bit = Position(hash, 64 - BitOperations.Log2((uint)signature.Length * 64));
        signature[bit >> 6] |= 1UL << bit;
    }

    /// <summary>
    /// The bit of <paramref name="hash"/>: the high bits of a second multiplicative hash, since a minimizer is the
    /// smallest hash of its window and so biased towards zero in its own high bits.
    /// </summary>
    private static int Position(ulong hash, int shift) => (int)((hash * 0x9E3779B97F4A7C15UL) >> shift);

    private static int Trigrams(string? text) => text is null ? 0 : Math.Max(0, text.Length - 2);

    /// <summary>
    /// Writes the smallest trigram hash of each window of <paramref name="text"/> into <paramref name="selected"/>
    /// (once per position chosen) and returns how many; <paramref name="hashes"/> is scratch space.
    /// </summary>
    private static int Minimizers(string? text, Span<ulong> hashes, Span<ulong> selected)
    {
        var trigrams = Trigrams(text);
        if (trigrams < Window) return 0; // no token long enough to be looked up fits in it
        var s = text.AsSpan(0, trigrams + 2);
        hashes = hashes[..trigrams];
        ulong key = ((ulong)Fold(s[0]) << 16) | Fold(s[1]);
        var count = 0;
        var min = 0;
        var minHash = ulong.MaxValue;
        var last = -1;
        for (var i = 0; i < hashes.Length; i++)
        {
            key = ((key << 16) | Fold(s[i + 2])) & 0xFFFF_FFFF_FFFFUL;
            var hash = hashes[i] = key * 0x9E3779B97F4A7C15UL; // Fibonacci hashing: the high bits, which order it, depend on every character
            var start = i - Window + 1;
            if (min < start)
            {
                // The smallest left the window: find the window's smallest again (rare for random hashes).
                min = start;
                minHash = hashes[start];
                for (var j = start + 1; j <= i; j++)
                {
                    if (hashes[j] <= minHash) (min, minHash) = (j, hashes[j]);
                }
            }
            else if (hash <= minHash)
            {
                (min, minHash) = (i, hash);
            }
            if (start >= 0 && min != last)
            {
                selected[count++] = minHash;
                last = min;
            }
        }
        return count;
    }

    /// <summary>ASCII upper case to lower case; everything else as it is (SQLite's LIKE folds ASCII only).</summary>
    private static uint Fold(char c) => c | ((uint)(c - 'A') <= 'Z' - 'A' ? 0x20u : 0u);
}
