namespace SmarthostLab.Relay.Session;

/// <summary>
/// Queue ids: ULIDs (48-bit millisecond time + 80 random bits, Crockford base32, 26 characters), so ids
/// sort by arrival time and never collide across restarts. The random part needs to be unique, not secret,
/// so it comes from <see cref="Random.Shared"/>: the OS generator costs a system call per message.
/// </summary>
public static class QueueId
{
    private const string Alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

    /// <summary>A new id for the time <paramref name="now"/>.</summary>
    public static string New(DateTimeOffset now)
    {
        Span<byte> bytes = stackalloc byte[16];
        var ms = (ulong)now.ToUnixTimeMilliseconds();
        for (var i = 5; i >= 0; i--)
        {
            bytes[i] = (byte)ms;
            ms >>= 8;
        }
        Random.Shared.NextBytes(bytes[6..]);
        var value = System.Buffers.Binary.BinaryPrimitives.ReadUInt128BigEndian(bytes);
        Span<char> chars = stackalloc char[26];
        for (var i = 25; i >= 0; i--)
        {
            chars[i] = Alphabet[(int)(value & 31)];
            value >>= 5;
        }
        return new string(chars);
    }
}
