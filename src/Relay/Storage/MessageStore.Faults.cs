namespace SmarthostLab.Relay.Storage;

/// <summary>The fault rules changed through the admin API (table fault_rules, migration 0003).</summary>
public abstract partial class MessageStore : IFaultRuleStore
{
    /// <inheritdoc />
    public async Task<IReadOnlyList<StoredFaultRule>> GetFaultRulesAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await OpenReaderAsync(cancellationToken).ConfigureAwait(false);
        await using var command = connection.CreateCommand();
        command.CommandText = "SELECT name, state, rule, changed_at FROM fault_rules ORDER BY changed_at, name";
        var result = new List<StoredFaultRule>();
        await using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
        while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
        {
            var json = reader.GetString(1) == "set" && !reader.IsDBNull(2) ? reader.GetString(2) : null;
            result.Add(new StoredFaultRule(reader.GetString(0), json, DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(3))));
        }
        return result;
    }

    /// <inheritdoc />
    public Task SetFaultRuleAsync(string name, string? json, CancellationToken cancellationToken = default)
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        return EnqueueAndWait(new StoreWrite(StoreWriteKind.FaultRule, (connection, transaction, _) => Execute(connection, $$"""
            INSERT INTO fault_rules (name, state, rule, changed_at) VALUES (@n, @s, @r, @t)
            ON CONFLICT ({{FaultRuleConflict}}) DO UPDATE SET name = excluded.name, state = excluded.state, rule = excluded.rule, changed_at = excluded.changed_at
            """, transaction, ("@n", name), ("@s", json is null ? "deleted" : "set"), ("@r", json), ("@t", now))), cancellationToken);
    }

    /// <inheritdoc />
    public Task ClearFaultRuleAsync(string name, CancellationToken cancellationToken = default) =>
        EnqueueAndWait(new StoreWrite(StoreWriteKind.FaultRule, (connection, transaction, _) =>
            Execute(connection, $"DELETE FROM fault_rules WHERE {EqualsIgnoringCase("name", "@n")}", transaction, ("@n", name))), cancellationToken);
}
