using SmarthostLab.Tests.Support;

namespace SmarthostLab.Relay.Tests.Postgres;

/// <summary>
/// A test class with a PostgreSQL database of its own per test (<see cref="PrivatePostgres"/>): created before each test
/// where PostgreSQL is present, dropped after; <see cref="DatabaseAsync"/> skips the test with the reason where it is not.
/// </summary>
public abstract class PostgresDatabaseTest : IAsyncLifetime
{
    private PrivatePostgres? _database;

    public async Task InitializeAsync()
    {
        if (await PrivatePostgres.UnavailableAsync() is null) _database = await PrivatePostgres.CreateAsync();
    }

    public async Task DisposeAsync()
    {
        if (_database is not null) await _database.DisposeAsync();
    }

    /// <summary>The test's database; skips the test where there is no PostgreSQL.</summary>
    protected async Task<PrivatePostgres> DatabaseAsync()
    {
        var unavailable = await PrivatePostgres.UnavailableAsync();
        Skip.If(unavailable is not null, unavailable);
        return _database!;
    }
}
