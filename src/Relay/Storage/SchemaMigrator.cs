using System.Globalization;
using System.Reflection;
using Microsoft.Data.Sqlite;

namespace SmarthostLab.Relay.Storage;

/// <summary>
/// Applies the embedded Storage/Schema/NNNN_name.sql scripts in version order, each in its own
/// transaction, recording the versions applied in the <c>schema_version</c> table.
/// </summary>
internal static class SchemaMigrator
{
    /// <summary>Every embedded migration as (version, name, sql), ascending.</summary>
    public static IReadOnlyList<(int Version, string Name, string Sql)> Migrations()
    {
        var assembly = typeof(SchemaMigrator).Assembly;
        const string marker = ".Storage.Schema.";
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
    public static IReadOnlyList<int> Migrate(SqliteConnection connection, TimeProvider time)
    {
        using (var create = connection.CreateCommand())
        {
            create.CommandText = "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at INTEGER NOT NULL)";
            create.ExecuteNonQuery();
        }
        // Every migration not recorded yet, not only those above the highest: migrations written on parallel branches
        // may land in any order, and a store made by a build that had 0004 but not yet 0003 must still get 0003.
        var done = new HashSet<long>();
        using (var query = connection.CreateCommand())
        {
            query.CommandText = "SELECT version FROM schema_version";
            using var reader = query.ExecuteReader();
            while (reader.Read()) done.Add(reader.GetInt64(0));
        }
        var applied = new List<int>();
        foreach (var (version, name, sql) in Migrations())
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
                record.CommandText = "INSERT INTO schema_version (version, name, applied_at) VALUES ($v, $n, $t)";
                record.Parameters.AddWithValue("$v", version);
                record.Parameters.AddWithValue("$n", name);
                record.Parameters.AddWithValue("$t", time.GetUtcNow().ToUnixTimeMilliseconds());
                record.ExecuteNonQuery();
            }
            transaction.Commit();
            applied.Add(version);
        }
        return applied;
    }
}
