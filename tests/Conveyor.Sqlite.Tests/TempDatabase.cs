using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;

namespace Conveyor.Sqlite.Tests;

/// <summary>A database file of one test's own in the temp directory, deleted after it.</summary>
internal sealed class TempDatabase : IDisposable
{
    public TempDatabase() => Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"conveyor-sqlite-{Guid.NewGuid():N}.db");

    public string Path { get; }

    public string ConnectionString => $"Data Source={Path}";

    public SqliteOptions Options(TimeSpan? busyTimeout = null) => new() { ConnectionString = ConnectionString, BusyTimeout = busyTimeout ?? TimeSpan.FromSeconds(30) };

    public SqliteDatabase Open(TimeSpan? busyTimeout = null) => new(Microsoft.Extensions.Options.Options.Create(Options(busyTimeout)));

    /// <summary>Runs <paramref name="sql"/> on a connection of its own and returns the first column of the first row.</summary>
    public object? Scalar(string sql)
    {
        using var connection = new SqliteConnection(ConnectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    public void Dispose()
    {
        using (var connection = new SqliteConnection(ConnectionString))
        {
            SqliteConnection.ClearPool(connection);
        }

        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            File.Delete(Path + suffix);
        }
    }
}
