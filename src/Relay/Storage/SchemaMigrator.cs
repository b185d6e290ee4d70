using System.Globalization;
using System.Reflection;
using System.Data.Common;

namespace SmarthostLab.Relay.Storage;

/// <summary>
/// Applies the embedded NNNN_name.sql scripts of one provider (SQLite: Storage/Schema, PostgreSQL:
/// Storage/Postgres/Schema) in version order, each in its own transaction, recording the versions applied in the
/// <c>schema_version</c> table.
/// </summary>
internal static class SchemaMigrator
{
    /// <summary>The resource folder of SQLite's scripts.</summary>
    public const string SqliteScripts = ".Storage.Schema.";

    /// <summary>The resource folder of PostgreSQL's scripts.</summary>
    public const string PostgresScripts = ".Storage.Postgres.Schema.";

    /// <summary>Every embedded migration in <paramref name="marker"/> as (version, name, sql), ascending.</summary>
    public static IReadOnlyList<(int Version, string Name, string Sql)> Migrations(string marker = SqliteScripts)
    {
        var assembly = typeof(SchemaMigrator).Assembly;
        var result = new List<(int, string, string)>();
        foreach (var resource in assembly.GetManifestResourceNames())
        {
            var at = resource.IndexOf(marker, StringComparison.Ordinal);
            if (at < 0 || !resource.EndsWith(".sql", StringComparison.Ordinal)) continue;
            var name = resource[(at + marker.Length)..].TrimStart('_');
            var digits = name.TakeWhile(char.IsAsciiDigit).Count();
            if (digits == 0) continue;
            var version = int.Parse(name.AsSpan(0, digits), NumberStyles.None, CultureInfo.InvariantCulture);
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            result.Add((version, name, reader.ReadToEnd()));
        }
        return [.. result.OrderBy(m => m.Item1)];
    }

    /// <summary>Brings the database to the latest version; returns the versions applied now.</summary>
    public static IReadOnlyList<int> Migrate(DbConnection connection, TimeProvider time, string marker)
    {
        using (var create = connection.CreateCommand())
        {
            create.CommandText = "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)";
            create.ExecuteNonQuery();
        }
        // Every migration not recorded yet, not only those above the highest: migrations written on parallel branches
        // may land in any order, and a store made by a build that had 0004 but not yet 0003 must still get 0003.
        var done = new HashSet<long>();
        using (var query = connection.CreateCommand())
        {
            query.CommandText = "SELECT version FROM schema_version";
            using var reader = query.ExecuteReader();
            while (reader.Read()) done.Add(Convert.ToInt64(reader.GetValue(0), CultureInfo.InvariantCulture));
        }
        var applied = new List<int>();
        foreach (var (version, name, sql) in Migrations(marker))
        {
            if (done.Contains(version)) continue;
            using var transaction = connection.BeginTransaction();
            using (var command = connection.CreateCommand())
            {
                command.Transaction = transaction;
                command.CommandText = sql;
                command.ExecuteNonQuery();
            }
            using (var record = connection.CreateCommand())
            {
                record.Transaction = transaction;
                record.CommandText = "INSERT INTO schema_version (version, name, applied_at) VALUES (@v, @n, @t)";
                record.Add("@v", (long)version);
                record.Add("@n", name);
                record.Add("@t", time.GetUtcNow().ToUnixTimeMilliseconds());
                record.ExecuteNonQuery();
            }
            transaction.Commit();
            applied.Add(version);
        }
        return applied;
    }
}
