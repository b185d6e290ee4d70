namespace SmarthostLab.Relay.Configuration;

/// <summary>The relay's own key in the <c>Verification</c> section (the rest is the library's <c>VerificationOptions</c>).</summary>
public sealed class VerificationSwitchOptions
{
    /// <summary>Configuration key of <see cref="Enabled"/>.</summary>
    public const string EnabledKey = "Verification:Enabled";

    /// <summary>Verify (SPF/DKIM/DMARC), sign and apply DMARC policy on every relayed message. Default true; false stores messages without a verdict (POST /api/v1/verify still works).</summary>
    public bool Enabled { get; set; } = true;
}
