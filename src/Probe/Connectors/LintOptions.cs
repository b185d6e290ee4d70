namespace SmarthostLab.Probe.Connectors;

/// <summary>What the connector is checked against.</summary>
/// <param name="ExpectedSmartHost">The smarthost the connector should route to (from --smarthost or the relay's hostName); null = not compared.</param>
/// <param name="RelayRequiresAuth">True when the relay asks for AUTH (then Basic over TLS is the right setting).</param>
public sealed record LintOptions(string? ExpectedSmartHost = null, bool RelayRequiresAuth = false);
