namespace SmarthostLab.Relay.Hosting;

/// <summary>
/// The relay could not start for a reason outside its configuration values: a port in use, a data folder that
/// cannot be used or is used by another relay. Its message is one line naming the key (or flag) involved; the
/// executable prints it and exits with code 1.
/// </summary>
public sealed class RelayStartException : Exception
{
    /// <summary>Creates the exception.</summary>
    public RelayStartException(string message) : base(message) { }

    /// <summary>Creates the exception with its cause.</summary>
    public RelayStartException(string message, Exception inner) : base(message, inner) { }

    /// <summary>Creates the exception.</summary>
    public RelayStartException() : base("the relay could not start") { }
}
