namespace SmarthostLab.Relay.Storage;

/// <summary>Refusals, newest first, with the total count matching the filters.</summary>
/// <param name="Refusals">The page.</param>
/// <param name="Total">Refusals matching the filters.</param>
public sealed record RefusalPage(IReadOnlyList<RefusalRecord> Refusals, int Total);
