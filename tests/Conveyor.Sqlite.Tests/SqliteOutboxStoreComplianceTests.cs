using Conveyor.Compliance.Outbox;
using Conveyor.Outbox;
using Conveyor.Sqlite.Outbox;
using Conveyor.UnitOfWork;
using Microsoft.Data.Sqlite;

namespace Conveyor.Sqlite.Tests;

public sealed class SqliteOutboxStoreComplianceTests : OutboxStoreCompliance, IDisposable
{
    private readonly TempDatabase _file = new();
    private readonly SqliteDatabase _database;

    public SqliteOutboxStoreComplianceTests() => _database = _file.Open();

    protected override Task<IOutboxStore> CreateStoreAsync() => Task.FromResult<IOutboxStore>(new SqliteOutboxStore(_database));

    protected override async Task<IUnitOfWork> BeginAsync() => await _database.BeginUnitOfWorkAsync(new EmptyServices(), default);

    protected override Task CorruptHeadersAsync(long id)
    {
        using var connection = new SqliteConnection(_file.ConnectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "UPDATE conveyor_outbox SET headers = X'FF0102' WHERE id = $id;";
        command.Parameters.AddWithValue("$id", id);
        command.ExecuteNonQuery().ShouldBe(1);
        return Task.CompletedTask;
    }

    public void Dispose() => _file.Dispose();

    private sealed class EmptyServices : IServiceProvider
    {
        public object? GetService(Type serviceType) => null;
    }
}
