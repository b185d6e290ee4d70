namespace SmarthostLab.Relay.Configuration;

/// <summary>The <c>Store</c> configuration section: the data folder, the store (SQLite, or PostgreSQL shared by several relays) and retention.</summary>
public sealed class StoreOptions
{
    /// <summary>Configuration section name.</summary>
    public const string Section = "Store";

    /// <summary>Data folder (store file, generated TLS certificate). Default ./data. Command line: --data DIR.</summary>
    public string DataFolder { get; set; } = "data";

    /// <summary>Store file name inside <see cref="DataFolder"/>. Default relay.db.</summary>
    public string FileName { get; set; } = "relay.db";

    /// <summary>
    /// Most messages kept. Past it the oldest are deleted down to 99 % of it (in steps of 1 %, so that a full store
    /// does not delete a row in every commit); limits under 100 are kept exactly. 0 = no limit. Default 100,000.
    /// </summary>
    public int MaxMessages { get; set; } = 100_000;

    /// <summary>Age past which messages are deleted. Zero = no limit. Default 30 days.</summary>
    public TimeSpan MaxAge { get; set; } = TimeSpan.FromDays(30);

    /// <summary>Most refusal records kept, trimmed like <see cref="MaxMessages"/>. 0 = no limit. Default 100,000.</summary>
    public int MaxRefusals { get; set; } = 100_000;

    /// <summary>How often retention runs besides after write batches. Default 1 minute.</summary>
    public TimeSpan RetentionInterval { get; set; } = TimeSpan.FromMinutes(1);

    /// <summary>Most writes committed in one transaction (group commit). Default 512.</summary>
    public int MaxBatchSize { get; set; } = 512;

    /// <summary>Most octets of message data committed in one transaction. Default 64 MiB.</summary>
    public long MaxBatchBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>
    /// Where messages are kept (issue 18): <c>Sqlite</c> (default; one file in <see cref="DataFolder"/>, one relay) or
    /// <c>Postgres</c> (<see cref="ConnectionString"/>; several relays may share the database, its messages and its queue).
    /// </summary>
    public string Provider { get; set; } = SqliteProvider;

    /// <summary>The Npgsql connection string with <see cref="Provider"/> Postgres (e.g. Host=db;Database=relay;Username=relay;Password=…).</summary>
    public string ConnectionString { get; set; } = "";

    /// <summary>This relay's name in a shared PostgreSQL store (its queue claims and heartbeat). Default: host name and process id.</summary>
    public string NodeId { get; set; } = "";

    /// <summary>How often a relay on PostgreSQL refreshes its heartbeat. Default 5 seconds.</summary>
    public TimeSpan HeartbeatInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>A relay whose heartbeat is older than this is gone: the others take over its queue rows. Default 30 seconds.</summary>
    public TimeSpan NodeTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How often a relay on PostgreSQL takes due queue rows nobody (alive) owns, e.g. a stopped relay's. Default 5 seconds.</summary>
    public TimeSpan QueueSweepInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>The default <see cref="Provider"/>.</summary>
    public const string SqliteProvider = "Sqlite";

    /// <summary>The PostgreSQL <see cref="Provider"/>.</summary>
    public const string PostgresProvider = "Postgres";

    /// <summary>True when <see cref="Provider"/> is Postgres (any case).</summary>
    public bool IsPostgres => string.Equals(Provider?.Trim(), PostgresProvider, StringComparison.OrdinalIgnoreCase);
}
