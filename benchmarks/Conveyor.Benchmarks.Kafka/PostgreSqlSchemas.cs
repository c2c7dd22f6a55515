using Npgsql;

namespace Conveyor.Benchmarks.Kafka;

/// <summary>The fresh schema each PostgreSQL run writes in, dropped after it.</summary>
internal static class PostgreSqlSchemas
{
    /// <summary>Drops <paramref name="schema"/> and everything in it, after closing the pooled connections that used it.</summary>
    public static async Task DropAsync(string connectionString, string schema)
    {
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP SCHEMA IF EXISTS \"{schema}\" CASCADE;", connection);
        await drop.ExecuteNonQueryAsync();
    }
}
