using Conveyor.Aggregates;
using Conveyor.Compliance.Aggregates;
using Conveyor.Compliance.EventStore;
using Conveyor.EventSourcing;
using Conveyor.PostgreSql.Aggregates;
using Conveyor.PostgreSql.EventSourcing;

namespace Conveyor.PostgreSql.Tests;

/// <summary>The stores outside a unit of work, each write in a transaction of its own; inside one, see <see cref="PostgreSqlAggregateTests"/>.</summary>
public sealed class PostgreSqlAggregateStateStoreComplianceTests(TestDatabase database)
    : AggregateStateStoreCompliance, IClassFixture<TestDatabase>, IAsyncLifetime
{
    private readonly TestSchema _schema = new(database);

    protected override ValueTask<IAggregateStateStore> CreateStoreAsync() =>
        new(new PostgreSqlAggregateStateStore(new PostgreSqlStoreTransaction(_schema.Open(), null)));

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _schema.DisposeAsync();
}

public sealed class PostgreSqlEventStoreComplianceTests(TestDatabase database)
    : EventStoreCompliance, IClassFixture<TestDatabase>, IAsyncLifetime
{
    private readonly TestSchema _schema = new(database);

    protected override ValueTask<IEventStore> CreateStoreAsync(TimeProvider time) =>
        new(new PostgreSqlEventStore(new PostgreSqlStoreTransaction(_schema.Open(), null), time));

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync() => await _schema.DisposeAsync();
}
