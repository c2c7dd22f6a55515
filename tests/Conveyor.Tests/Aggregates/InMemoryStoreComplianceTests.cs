using Conveyor.Aggregates;
using Conveyor.Compliance.Aggregates;
using Conveyor.Compliance.EventStore;
using Conveyor.EventSourcing;

namespace Conveyor.Tests.Aggregates;

public sealed class InMemoryAggregateStateStoreComplianceTests : AggregateStateStoreCompliance
{
    protected override ValueTask<IAggregateStateStore> CreateStoreAsync() => new(new InMemoryAggregateStateStore());
}

public sealed class InMemoryEventStoreComplianceTests : EventStoreCompliance
{
    protected override ValueTask<IEventStore> CreateStoreAsync(TimeProvider time) => new(new InMemoryEventStore(time));
}
