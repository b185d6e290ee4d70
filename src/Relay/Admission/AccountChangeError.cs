namespace SmarthostLab.Relay.Admission;

/// <summary>Why a runtime change of an account's outbound servers was not made.</summary>
public enum AccountChangeError
{
    /// <summary>The change was made.</summary>
    None,
    /// <summary>No account has that name.</summary>
    UnknownAccount,
    /// <summary>The address is not an IP address or CIDR range.</summary>
    InvalidAddress,
    /// <summary>Removal of an address the account does not register.</summary>
    NotRegistered,
}
