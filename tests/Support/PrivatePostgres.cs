using System.Diagnostics;
using Npgsql;

namespace SmarthostLab.Tests.Support;

/// <summary>
/// A PostgreSQL database of its own for one test (issue 18: the store's tests run against both providers). The server
/// is the one <c>SMARTHOSTLAB_POSTGRES</c> names (a connection string; <c>.ci/run</c> sets it), else a throwaway
/// cluster this process starts with <c>.ci/postgres-cluster.sh</c> when PostgreSQL's initdb is installed, and stops
/// when it exits. Each instance is a new database (CREATE DATABASE with a unique name), dropped on dispose, so tests
/// run in parallel.
/// </summary>
public sealed class PrivatePostgres : IAsyncDisposable
{
    /// <summary>The environment variable naming a PostgreSQL server to use (an Npgsql connection string).</summary>
    public const string Variable = "SMARTHOSTLAB_POSTGRES";

    private static readonly Lazy<Task<(string? Server, string? Unavailable)>> Server = new(StartServerAsync);
    private readonly string _server;

    private PrivatePostgres(string server, string database)
    {
        _server = server;
        Database = database;
        ConnectionString = new NpgsqlConnectionStringBuilder(server) { Database = database }.ConnectionString;
    }

    /// <summary>The database's name.</summary>
    public string Database { get; }

    /// <summary>The connection string of the database (Store:ConnectionString).</summary>
    public string ConnectionString { get; }

    /// <summary>Why there is no PostgreSQL for the tests (a skip reason), or null when there is one; starts it if needed.</summary>
    public static async Task<string?> UnavailableAsync() => (await Server.Value.ConfigureAwait(false)).Unavailable;

    /// <summary>A new empty database; null when there is no PostgreSQL (see <see cref="UnavailableAsync"/>).</summary>
    public static async Task<PrivatePostgres?> CreateAsync()
    {
        var (server, _) = await Server.Value.ConfigureAwait(false);
        if (server is null) return null;
        var name = "shl_" + Guid.NewGuid().ToString("N");
        await using var connection = new NpgsqlConnection(server);
        await connection.OpenAsync().ConfigureAwait(false);
        await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
        await create.ExecuteNonQueryAsync().ConfigureAwait(false);
        return new PrivatePostgres(server, name);
    }

    /// <summary>Runs <paramref name="sql"/> on the database from outside the relay (a test's own connection); returns the rows changed.</summary>
    public async Task<int> ExecuteAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync().ConfigureAwait(false);
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteNonQueryAsync().ConfigureAwait(false);
    }

    /// <summary>The first column of the first row of <paramref name="sql"/> on the database.</summary>
    public async Task<object?> ScalarAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync().ConfigureAwait(false);
        await using var command = new NpgsqlCommand(sql, connection);
        return await command.ExecuteScalarAsync().ConfigureAwait(false);
    }

    /// <summary>Drops the database (closing what is still connected to it).</summary>
    public async ValueTask DisposeAsync()
    {
        using (var own = new NpgsqlConnection(ConnectionString)) NpgsqlConnection.ClearPool(own); // this test's own connections (ExecuteAsync)
        await using var connection = new NpgsqlConnection(_server);
        await connection.OpenAsync().ConfigureAwait(false);
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {Database} WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync().ConfigureAwait(false);
    }

    private static async Task<(string?, string?)> StartServerAsync()
    {
        if (Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } given) return (given, null);
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS()) return (null, $"no PostgreSQL: set {Variable} to a connection string");
        if (!InitdbInstalled()) return (null, $"no PostgreSQL: initdb is not installed (apt-get install postgresql) and {Variable} is not set");
        var script = Path.Combine(RepositoryFiles.Root(), ".ci", "postgres-cluster.sh");
        var folder = new TempFolder();
        var (code, output, error) = await RunAsync(script, "start", folder.Path).ConfigureAwait(false);
        if (code != 0)
        {
            folder.Dispose();
            return (null, $"no PostgreSQL: {script} start failed: {error.Trim()}");
        }
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            RunAsync(script, "stop", folder.Path).GetAwaiter().GetResult();
            try
            {
                folder.Dispose();
            }
            catch (IOException)
            {
                // Left in the temp folder.
            }
        };
        return (output.Trim(), null);
    }

    private static bool InitdbInstalled()
    {
        var path = Environment.GetEnvironmentVariable("PATH")?.Split(Path.PathSeparator) ?? [];
        return path.Any(d => File.Exists(Path.Combine(d, "initdb")))
            || (Directory.Exists("/usr/lib/postgresql") && Directory.GetDirectories("/usr/lib/postgresql").Any(d => File.Exists(Path.Combine(d, "bin", "initdb"))));
    }

    private static async Task<(int, string, string)> RunAsync(string script, string command, string folder)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in new[] { script, command, folder }) start.ArgumentList.Add(arg);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token).ConfigureAwait(false);
        return (process.ExitCode, await output.ConfigureAwait(false), await error.ConfigureAwait(false));
    }
}
