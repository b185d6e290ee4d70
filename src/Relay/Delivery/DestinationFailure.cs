namespace SmarthostLab.Relay.Delivery;

/// <summary>Why a destination has no address to try.</summary>
/// <param name="Permanent">True when retrying cannot help (bounce now); false to defer and retry.</param>
/// <param name="Status">The RFC 3463 enhanced status code, e.g. "5.1.10" or "4.4.3".</param>
/// <param name="Text">A sentence for logs and DSNs, e.g. "example.com has a null MX (RFC 7505): it accepts no mail".</param>
public sealed record DestinationFailure(bool Permanent, string Status, string Text)
{
    /// <summary>A failure retrying cannot cure.</summary>
    internal static DestinationFailure Bounce(string status, string text) => new(true, status, text);

    /// <summary>A failure that may pass: defer and retry.</summary>
    internal static DestinationFailure Defer(string status, string text) => new(false, status, text);
}
