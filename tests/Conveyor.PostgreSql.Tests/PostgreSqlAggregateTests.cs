using Conveyor.Compliance.Aggregates;

namespace Conveyor.PostgreSql.Tests;

/// <summary>Aggregates on PostgreSQL: saved in the message's unit of work, so they commit with it or not at all.</summary>
public sealed class PostgreSqlAggregateTests(TestDatabase database) : AggregatesInUnitOfWorkCompliance, IClassFixture<TestDatabase>
{
    private readonly TestSchema _schema = new(database);

    protected override ConveyorBuilder UseStore(ConveyorBuilder conveyor) =>
        conveyor.UsePostgreSql(_schema.ConnectionString, o => o.Schema = _schema.Name);

    protected override Task<object?> ScalarAsync(string sql) => _schema.ScalarAsync(sql);

    protected override async Task CleanupAsync() => await _schema.DisposeAsync();
}
