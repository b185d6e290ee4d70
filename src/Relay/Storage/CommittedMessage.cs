namespace SmarthostLab.Relay.Storage;

/// <summary>A message a write stores, with its <see cref="TokenSignature"/>: what the open waits are checked against after the commit.</summary>
/// <param name="Message">The message.</param>
/// <param name="Signature">Its signature, made before the write was queued; null while no token search has asked for the token index.</param>
internal readonly record struct CommittedMessage(NewMessage Message, ulong[]? Signature);
