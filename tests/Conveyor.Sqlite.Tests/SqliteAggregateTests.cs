using Conveyor.Compliance.Aggregates;

namespace Conveyor.Sqlite.Tests;

/// <summary>Aggregates on SQLite: saved in the message's unit of work, so they commit with it or not at all.</summary>
public sealed class SqliteAggregateTests : AggregatesInUnitOfWorkCompliance
{
    private readonly TempDatabase _file = new();

    protected override ConveyorBuilder UseStore(ConveyorBuilder conveyor) => conveyor.UseSqlite(_file.ConnectionString);

    protected override Task<object?> ScalarAsync(string sql) => Task.FromResult(_file.Scalar(sql));

    protected override Task CleanupAsync()
    {
        _file.Dispose();
        return Task.CompletedTask;
    }
}
