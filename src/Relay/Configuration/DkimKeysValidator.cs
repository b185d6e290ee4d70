using Microsoft.Extensions.Options;
using SmarthostLab.Verification.Dkim;

namespace SmarthostLab.Relay.Configuration;

/// <summary>Loads every <c>Accounts:N:Dkim:M:PrivateKeyFile</c> at start, so a missing or unusable key is a one-line configuration error naming the key.</summary>
public sealed class DkimKeysValidator : IValidateOptions<AccountsOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, AccountsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        for (var i = 0; i < options.Accounts.Count; i++)
        {
            var keys = options.Accounts[i].Dkim;
            for (var j = 0; j < keys.Count; j++)
            {
                var key = keys[j];
                if (string.IsNullOrWhiteSpace(key.PrivateKeyFile) || string.IsNullOrWhiteSpace(key.Domain) || string.IsNullOrWhiteSpace(key.Selector))
                    continue; // AccountsOptionsValidator names the empty key.
                var setting = $"Accounts:{i}:Dkim:{j}:PrivateKeyFile";
                if (!File.Exists(key.PrivateKeyFile))
                {
                    errors.Add($"{setting}: file '{key.PrivateKeyFile}' does not exist");
                    continue;
                }
                try
                {
                    DkimSigningKey.LoadPem(key.PrivateKeyFile, key.Domain, key.Selector);
                }
                catch (Exception exception) when (exception is FormatException or IOException or UnauthorizedAccessException)
                {
                    errors.Add($"{setting}: '{key.PrivateKeyFile}' is not a usable RSA or Ed25519 private key: {exception.Message}");
                }
            }
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
