namespace SmarthostLab.Relay.Configuration;

/// <summary>
/// One SMTP AUTH credential of an account (<c>Accounts:N:Credentials:M</c>): a user name and its password, given
/// as a PBKDF2 hash (<c>pbkdf2-sha256$&lt;iterations&gt;$&lt;salt base64&gt;$&lt;hash base64&gt;</c>, printed by
/// <c>smarthostlab-relay hash-password</c>) or, for labs, as plain text written <c>plain:&lt;password&gt;</c>.
/// </summary>
public sealed class CredentialOptions
{
    /// <summary>The user name AUTH PLAIN/LOGIN sends (compared exactly, case-sensitive); unique over all accounts.</summary>
    public string User { get; set; } = "";

    /// <summary><c>pbkdf2-sha256$…</c> or <c>plain:…</c>; anything else stops the start with an error naming the key.</summary>
    public string Password { get; set; } = "";
}
