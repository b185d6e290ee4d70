namespace SmarthostLab.Relay.Hosting;

/// <summary>A configuration problem that stops the start: its message is one line naming the key and the problem.</summary>
public sealed class RelayConfigurationException : Exception
{
    /// <summary>Creates the exception.</summary>
    public RelayConfigurationException(string message) : base(message) { }

    /// <summary>Creates the exception with its cause.</summary>
    public RelayConfigurationException(string message, Exception inner) : base(message, inner) { }

    /// <summary>Creates the exception.</summary>
    public RelayConfigurationException() : base("invalid configuration") { }
}
