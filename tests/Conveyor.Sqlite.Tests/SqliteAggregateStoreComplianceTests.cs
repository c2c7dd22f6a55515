using Conveyor.Aggregates;
using Conveyor.Compliance.Aggregates;
using Conveyor.Compliance.EventStore;
using Conveyor.EventSourcing;
using Conveyor.Sqlite.Aggregates;
using Conveyor.Sqlite.EventSourcing;

namespace Conveyor.Sqlite.Tests;

/// <summary>The stores outside a unit of work, each write in a transaction of its own; inside one, see <see cref="SqliteAggregateTests"/>.</summary>
public sealed class SqliteAggregateStateStoreComplianceTests : AggregateStateStoreCompliance, IDisposable
{
    private readonly TempDatabase _file = new();

    protected override ValueTask<IAggregateStateStore> CreateStoreAsync() => new(new SqliteAggregateStateStore(new SqliteStoreTransaction(_file.Open(), null)));

    public void Dispose() => _file.Dispose();
}

public sealed class SqliteEventStoreComplianceTests : EventStoreCompliance, IDisposable
{
    private readonly TempDatabase _file = new();

    protected override ValueTask<IEventStore> CreateStoreAsync(TimeProvider time) => new(new SqliteEventStore(new SqliteStoreTransaction(_file.Open(), null), time));

    public void Dispose() => _file.Dispose();
}
