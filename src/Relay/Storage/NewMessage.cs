using System.Buffers;

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
    /// Bytes stored right after <see cref="Raw"/> (e.g. the verified content after the prepended headers), so the
    /// caller need not join them into one more whole-message array: the store writes both parts into the blob.
    /// Must not change until the write completes. Empty by default.
    /// </summary>
    public ReadOnlySequence<byte> RawTail { get; init; }

    /// <summary>
    /// The message's queue entries (issue 13): its recipients grouped by destination, written in the same transaction
    /// as the message and handed to the delivery queue after the commit. Empty (Store mode) writes no queue rows.
    /// </summary>
    public IReadOnlyList<OutboundJob> Outbound { get; init; } = [];

    /// <summary>Length of the stored bytes: <see cref="Raw"/> and <see cref="RawTail"/>.</summary>
    public long RawLength => Raw.LongLength + RawTail.Length;
}
