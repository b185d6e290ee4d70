namespace SmarthostLab.Relay.Storage;

/// <summary>Filters of the refusal listing.</summary>
/// <param name="Ip">Exact client IP.</param>
/// <param name="Since">At or after.</param>
/// <param name="Limit">Rows returned at most.</param>
public sealed record RefusalQuery(string? Ip = null, DateTimeOffset? Since = null, int Limit = 100);
