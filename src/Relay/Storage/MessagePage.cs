namespace SmarthostLab.Relay.Storage;

/// <summary>One page of a message listing, newest first, with the total count matching the filters.</summary>
/// <param name="Messages">The page.</param>
/// <param name="Total">Messages matching the filters.</param>
public sealed record MessagePage(IReadOnlyList<StoredMessage> Messages, int Total);
