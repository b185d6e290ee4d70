namespace SmarthostLab.Relay.Storage;

/// <summary>A message to store: its metadata, its bytes exactly as they will be served, the transcript and the header index.</summary>
/// <param name="Metadata">Metadata.</param>
/// <param name="Raw">The bytes: the relay's prepended headers followed by the bytes as sent.</param>
/// <param name="Transcript">The session's SMTP dialog.</param>
/// <param name="HeaderText">"Field: value" lines of every header, searched by the token filter.</param>
public sealed record NewMessage(StoredMessage Metadata, byte[] Raw, string Transcript, string HeaderText);
