namespace SmarthostLab.Relay.Configuration;

/// <summary>The <c>Host</c> configuration section: process-level behaviour.</summary>
public sealed class HostingOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Host";

    /// <summary>How long Ctrl-C / SIGTERM waits for sessions in progress before the store is flushed and the process exits. Default 30 s.</summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// On Linux, run the relay process's threads in the SCHED_BATCH policy: fewer preemptions between its own
    /// threads under load, slightly later wake-ups. Applies to the relay executable, not to a relay hosted in
    /// another process (tests, the bench's --start-relay). Default true.
    /// </summary>
    public bool BatchScheduling { get; set; } = true;
}
