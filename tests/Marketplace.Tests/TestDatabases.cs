using System.Data.Common;
using System.Globalization;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace Marketplace.Tests;

/// <summary>A SQLite file of one test's own, deleted after it, and SQL on it once the marketplace is done with it.</summary>
internal sealed class SqliteFile : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"marketplace-test-{Guid.NewGuid():N}.db");

    /// <summary>The configuration that points the marketplace at this file, as a user writes it on the command line.</summary>
    public string Argument => $"--ConnectionStrings:Marketplace=Data Source={Path}";

    /// <summary>The first column of every row <paramref name="sql"/> returns, as text.</summary>
    public Task<List<string>> StringsAsync(string sql) => Sql.StringsAsync(new SqliteConnection($"Data Source={Path};Pooling=False"), sql);

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        foreach (var file in (string[])[Path, Path + "-wal", Path + "-shm"])
        {
            File.Delete(file);
        }
    }
}

/// <summary>A PostgreSQL database of one test's own on the test suite's server (CREATE DATABASE), dropped after it.</summary>
internal sealed class PostgreSqlTestDatabase : IAsyncDisposable
{
    private static string Server => Conveyor.PostgreSql.Tests.PostgreSqlServer.ConnectionString;

    private readonly string _name = $"marketplace_test_{Guid.NewGuid():N}";

    public string ConnectionString => new NpgsqlConnectionStringBuilder(Server) { Database = _name }.ToString();

    public static async Task<PostgreSqlTestDatabase> CreateAsync()
    {
        var database = new PostgreSqlTestDatabase();
        await ExecuteAsync(Server, $"CREATE DATABASE {database._name};");
        return database;
    }

    /// <summary>The first column of every row <paramref name="sql"/> returns, as text.</summary>
    public Task<List<string>> StringsAsync(string sql) => Sql.StringsAsync(new NpgsqlConnection(ConnectionString), sql);

    public async ValueTask DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        await ExecuteAsync(Server, $"DROP DATABASE IF EXISTS {_name} WITH (FORCE);");
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }
}

internal static class Sql
{
    /// <summary>Opens <paramref name="connection"/>, reads the first column of every row of <paramref name="sql"/> as text, and disposes it.</summary>
    public static async Task<List<string>> StringsAsync(DbConnection connection, string sql)
    {
        await using (connection)
        {
            await connection.OpenAsync();
            await using var command = connection.CreateCommand();
            command.CommandText = sql;
            await using var reader = await command.ExecuteReaderAsync();
            var values = new List<string>();
            while (await reader.ReadAsync())
            {
                values.Add(Convert.ToString(reader.GetValue(0), CultureInfo.InvariantCulture)!);
            }

            return values;
        }
    }
}
