namespace SmarthostLab.Relay.Delivery;

/// <summary>
/// The outcome of resolving one destination: the addresses to try in order, or why there are none.
/// Exactly one of the two is meaningful: <paramref name="Targets"/> is empty when <paramref name="Failure"/> is set.
/// </summary>
/// <param name="Targets">Addresses to try, most preferred first.</param>
/// <param name="Failure">Why there is nothing to try; null on success.</param>
public sealed record ResolvedDestination(IReadOnlyList<DeliveryTarget> Targets, DestinationFailure? Failure)
{
    /// <summary>A destination with addresses to try.</summary>
    internal static ResolvedDestination To(IReadOnlyList<DeliveryTarget> targets) => new(targets, null);

    /// <summary>A destination with nothing to try.</summary>
    internal static ResolvedDestination Failed(DestinationFailure failure) => new([], failure);
}
