using System.Data.Common;
using Conveyor.PostgreSql.Tests;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Conveyor.EntityFrameworkCore.Tests;

/// <summary>
/// The suite on PostgreSQL (the server the PostgreSQL tests use): UsePostgreSql for Conveyor, Npgsql's EF Core provider
/// for the context. Each test has a schema of its own in its class's database, the search path of both connection
/// strings, so the context's unqualified tables and Conveyor's are in it.
/// </summary>
public class PostgreSqlDbContextUnitOfWorkTests(TestDatabase database) : DbContextUnitOfWorkSuite, IClassFixture<TestDatabase>
{
    private readonly string _schema = $"t_{Guid.NewGuid():N}";

    // Without an outbox, the event handler can run before the sender's transaction commits (nothing serialises them).
    protected override bool ConsumersSeeTheSendersCommit => false;

    private string ConnectionString => new NpgsqlConnectionStringBuilder(database.ConnectionString) { SearchPath = _schema }.ToString();

    public override async Task InitializeAsync()
    {
        await using var connection = (NpgsqlConnection)OpenConnection();
        await using var create = new NpgsqlCommand($"CREATE SCHEMA {_schema};", connection);
        await create.ExecuteNonQueryAsync();
    }

    protected override void UseStore(ConveyorBuilder conveyor) => conveyor.UsePostgreSql(ConnectionString, o => o.Schema = _schema);

    protected override void UseProvider(DbContextOptionsBuilder options) => options.UseNpgsql(ConnectionString);

    protected override DbConnection OpenConnection()
    {
        var connection = new NpgsqlConnection(ConnectionString);
        connection.Open();
        return connection;
    }

    protected override ValueTask DisposeDatabaseAsync()
    {
        // The class's database is dropped after its last test; this test's idle connections go now.
        using var connection = new NpgsqlConnection(ConnectionString);
        NpgsqlConnection.ClearPool(connection);
        return ValueTask.CompletedTask;
    }
}

/// <summary>The suite with a pooled context (AddDbContextPool) on PostgreSQL.</summary>
public sealed class PostgreSqlPooledDbContextUnitOfWorkTests(TestDatabase database) : PostgreSqlDbContextUnitOfWorkTests(database)
{
    protected override void AddContext(IServiceCollection services) => services.AddDbContextPool<ShopContext>(UseProvider);
}

/// <summary>
/// The suite with PostgreSQL database channels: each leased batch is handled in one transaction, the context's
/// connection and transaction are the batch's, and the handler's SQL runs under the savepoint its unit of work takes
/// when the context binds to it, so a failed message's rows roll back without the others'.
/// </summary>
public sealed class PostgreSqlChannelDbContextUnitOfWorkTests(TestDatabase database) : PostgreSqlDbContextUnitOfWorkTests(database)
{
    protected override void AddChannels(ConveyorBuilder conveyor) => conveyor
        .AddPostgreSqlChannel("orders", o => o.PollInterval = TimeSpan.FromMilliseconds(20))
        .AddPostgreSqlChannel("placed", o => o.PollInterval = TimeSpan.FromMilliseconds(20));
}
