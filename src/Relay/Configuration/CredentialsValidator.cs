using Microsoft.Extensions.Options;
using SmarthostLab.Relay.Authentication;

namespace SmarthostLab.Relay.Configuration;

/// <summary>
/// Validates <c>Accounts:N:Credentials</c> (issue 14): a user name (no spaces or control characters, at most 255
/// characters, one account's only) and a password in one of the two forms of <see cref="StoredPassword"/>. An error
/// never shows a password.
/// </summary>
public sealed class CredentialsValidator : IValidateOptions<AccountsOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, AccountsOptions options)
    {
        var errors = new List<string>();
        var users = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 0; i < options.Accounts.Count; i++)
        {
            var account = options.Accounts[i];
            for (var j = 0; j < account.Credentials.Count; j++)
            {
                var credential = account.Credentials[j];
                var key = $"Accounts:{i}:Credentials:{j}";
                if (string.IsNullOrEmpty(credential.User)) errors.Add($"{key}:User: must not be empty");
                else if (credential.User.Length > 255 || credential.User.Any(c => char.IsControl(c) || char.IsWhiteSpace(c)))
                    errors.Add($"{key}:User: '{credential.User}' must be at most 255 characters without spaces or control characters");
                else if (!users.TryAdd(credential.User, account.Name))
                    errors.Add($"{key}:User: '{credential.User}' is already a user of account {users[credential.User]}");
                if (!StoredPassword.TryParse(credential.Password, out _, out var problem)) errors.Add($"{key}:Password: {problem}");
            }
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>
    /// An admission mode that uses AUTH needs a credential somewhere, and TLS to take it on (STARTTLS or an implicit-TLS
    /// endpoint) unless <c>Smtp:AllowAuthWithoutTls</c>: the problem as one line, or null.
    /// </summary>
    public static string? CheckMode(AdmissionOptions admission, AccountsOptions accounts, Smtp.SmtpOptions smtp)
    {
        if (admission.Mode == AdmissionMode.Ip) return null;
        if (!accounts.Accounts.Any(a => a.Credentials.Count > 0))
            return $"Admission:Mode: {admission.Mode} needs at least one credential (Accounts:N:Credentials:M:User and :Password); no account has one";
        if (!smtp.StartTls && string.IsNullOrEmpty(smtp.ImplicitTlsListen) && !smtp.AllowAuthWithoutTls)
            return $"Admission:Mode: {admission.Mode} takes AUTH only under TLS, and Smtp:StartTls is false with no Smtp:ImplicitTlsListen (set one, or Smtp:AllowAuthWithoutTls=true for a lab)";
        return null;
    }
}
