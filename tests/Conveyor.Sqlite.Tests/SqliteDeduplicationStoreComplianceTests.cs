using Conveyor.Compliance;
using Conveyor.Deduplication;
using Conveyor.Sqlite.Deduplication;

namespace Conveyor.Sqlite.Tests;

/// <summary>
/// The suite's own (in-memory) unit of work: the store claims in a write transaction of its own, enlisted in it. The
/// claim inside a <see cref="SqliteUnitOfWork"/> is tested in <see cref="SqliteUnitOfWorkTests"/>: there a second
/// claim cannot begin while the first unit of work holds the write lock, which the suite's concurrent tests assume it can.
/// </summary>
public sealed class SqliteDeduplicationStoreComplianceTests : DeduplicationStoreCompliance, IDisposable
{
    private readonly TempDatabase _file = new();

    // A batch of two makes the suite's clean-up of two keys take two batches.
    protected override IDeduplicationStore CreateStore(TimeProvider time, TimeSpan retention) =>
        new SqliteDeduplicationStore(_file.Open(), retention, time, cleanupBatchSize: 2);

    public void Dispose() => _file.Dispose();
}
