using Conveyor.Compliance;
using Conveyor.Deduplication;

namespace Conveyor.Tests.Deduplication;

public sealed class InMemoryDeduplicationStoreComplianceTests : DeduplicationStoreCompliance
{
    protected override IDeduplicationStore CreateStore(TimeProvider time, TimeSpan retention) => new InMemoryDeduplicationStore(retention, time);
}
