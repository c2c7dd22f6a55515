using System.Data.Common;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.EntityFrameworkCore.Tests;

/// <summary>The suite on a SQLite file: UseSqlite for Conveyor, EF Core's SQLite provider for the context.</summary>
public class SqliteDbContextUnitOfWorkTests : DbContextUnitOfWorkSuite
{
    private readonly SqliteFile _file = new();

    protected override void UseStore(ConveyorBuilder conveyor) => conveyor.UseSqlite(_file.ConnectionString);

    protected override void UseProvider(DbContextOptionsBuilder options) => options.UseSqlite(_file.ConnectionString);

    protected override DbConnection OpenConnection() => _file.Open();

    protected override ValueTask DisposeDatabaseAsync()
    {
        _file.Dispose();
        return ValueTask.CompletedTask;
    }
}

/// <summary>The suite with a pooled context (AddDbContextPool): a context returns to the pool without the unit of work's connection.</summary>
public sealed class SqlitePooledDbContextUnitOfWorkTests : SqliteDbContextUnitOfWorkTests
{
    protected override void AddContext(IServiceCollection services) => services.AddDbContextPool<ShopContext>(UseProvider);
}

/// <summary>A database file of one test's own in the temp directory, deleted after it.</summary>
internal sealed class SqliteFile : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"conveyor-efcore-{Guid.NewGuid():N}.db");

    public string ConnectionString => $"Data Source={Path}";

    public SqliteConnection Open()
    {
        var connection = new SqliteConnection(ConnectionString);
        connection.Open();
        return connection;
    }

    public void Dispose()
    {
        SqliteConnection.ClearAllPools();
        foreach (var suffix in new[] { "", "-wal", "-shm" })
        {
            File.Delete(Path + suffix);
        }
    }
}
