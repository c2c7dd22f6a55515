using Microsoft.Extensions.Options;
using Npgsql;

namespace Conveyor.PostgreSql.Tests;

/// <summary>A database of one test class's own (CREATE DATABASE with a unique name), dropped after it.</summary>
public sealed class TestDatabase : IAsyncLifetime
{
    private readonly string _name = $"conveyor_test_{Guid.NewGuid():N}";

    /// <summary>The connection string to this database.</summary>
    public string ConnectionString { get; private set; } = "";

    public async Task InitializeAsync()
    {
        await using var connection = new NpgsqlConnection(PostgreSqlServer.ConnectionString);
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand($"CREATE DATABASE {_name};", connection);
        await create.ExecuteNonQueryAsync();
        ConnectionString = new NpgsqlConnectionStringBuilder(PostgreSqlServer.ConnectionString) { Database = _name }.ToString();
    }

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(PostgreSqlServer.ConnectionString);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {_name} WITH (FORCE);", connection);
        await drop.ExecuteNonQueryAsync();
    }
}

/// <summary>
/// One test's own schema in its class's <see cref="TestDatabase"/> (tests of a class run one after the other, each
/// on empty tables): the options, the <see cref="PostgreSqlDatabase"/> instances it opened (disposed after the test),
/// and SQL on it.
/// </summary>
public sealed class TestSchema(TestDatabase database) : IAsyncDisposable
{
    private readonly List<PostgreSqlDatabase> _opened = [];

    /// <summary>The schema's name.</summary>
    public string Name { get; } = $"t_{Guid.NewGuid():N}";

    public string ConnectionString => database.ConnectionString;

    public PostgreSqlOptions Options(Action<PostgreSqlOptions>? configure = null)
    {
        var options = new PostgreSqlOptions { ConnectionString = database.ConnectionString, Schema = Name };
        configure?.Invoke(options);
        return options;
    }

    public PostgreSqlDatabase Open(Action<PostgreSqlOptions>? configure = null)
    {
        var opened = new PostgreSqlDatabase(Microsoft.Extensions.Options.Options.Create(Options(configure)));
        lock (_opened)
        {
            _opened.Add(opened);
        }

        return opened;
    }

    /// <summary>Runs <paramref name="sql"/> (its tables unqualified: the schema is the search path) and returns the first column of the first row.</summary>
    public async Task<object?> ScalarAsync(string sql)
    {
        var builder = new NpgsqlConnectionStringBuilder(database.ConnectionString) { SearchPath = Name, Pooling = false };
        await using var connection = new NpgsqlConnection(builder.ToString());
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        var value = await command.ExecuteScalarAsync();
        return value is DBNull ? null : value;
    }

    public async Task<long> CountAsync(string sql) => Convert.ToInt64(await ScalarAsync(sql), System.Globalization.CultureInfo.InvariantCulture);

    public async ValueTask DisposeAsync()
    {
        foreach (var opened in _opened)
        {
            await opened.DisposeAsync();
        }
    }
}
