namespace SmarthostLab.Relay.Storage;

/// <summary>A message to store: its metadata, its bytes exactly as they will be served, the transcript and the header index.</summary>
/// <param name="Metadata">Metadata.</param>
/// <param name="Raw">
/// The bytes: the relay's prepended headers followed by the bytes as sent; only their first part when
/// <see cref="RawTail"/> is set.
/// </param>
/// <param name="Transcript">The session's SMTP dialog.</param>
/// <param name="HeaderText">"Field: value" lines of every header, searched by the token filter.</param>
public sealed record NewMessage(StoredMessage Metadata, byte[] Raw, string Transcript, string HeaderText)
{
    /// <summary>
    /// The octets stored right after <see cref="Raw"/>: what remains of this stream from its position when set (e.g. the
    /// message where it lies, in memory or in its spool file), read by the store in pieces, so the caller need not join
    /// them into one more whole-message array. Must not change until the write completes. Null by default.
    /// </summary>
    public Stream? RawTail
    {
        get => _rawTail;
        init
        {
            _rawTail = value;
            RawTailStart = value?.Position ?? 0;
            _rawTailLength = value is null ? 0 : value.Length - RawTailStart;
        }
    }

    /// <summary>
    /// The message's queue entries (issue 13): its recipients grouped by destination, written in the same transaction
    /// as the message and handed to the delivery queue after the commit. Empty (Store mode) writes no queue rows.
    /// </summary>
    public IReadOnlyList<OutboundJob> Outbound { get; init; } = [];

    /// <summary>Length of the stored bytes: <see cref="Raw"/> and <see cref="RawTail"/>.</summary>
    public long RawLength => Raw.LongLength + _rawTailLength;

    /// <summary>Where <see cref="RawTail"/> starts: the store seeks there before each write (a failed batch is written again one by one).</summary>
    public long RawTailStart { get; private init; }

    private readonly Stream? _rawTail;
    private readonly long _rawTailLength;
}
