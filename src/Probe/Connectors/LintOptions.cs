namespace SmarthostLab.Probe.Connectors;

/// <summary>What the connector is checked against.</summary>
/// <param name="ExpectedSmartHost">The smarthost the connector should route to (from --smarthost or the relay's hostName); null = not compared.</param>
/// <param name="RelayRequiresAuth">True when the relay asks for AUTH (then Basic over TLS is the right setting).</param>
/// <param name="RelayOffersAuth">Whether the relay offers AUTH at all (its info's authMechanisms not empty); null = not known.</param>
/// <param name="RelayAuthRequiresTls">Whether the relay takes AUTH only after STARTTLS; null = not known.</param>
public sealed record LintOptions(string? ExpectedSmartHost = null, bool RelayRequiresAuth = false, bool? RelayOffersAuth = null, bool? RelayAuthRequiresTls = null);
