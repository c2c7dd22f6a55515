// What docs/failure-handling.md's compliance example uses: a store package's own code, not shown there.
using Conveyor.Deduplication;
using Conveyor.Failures.DeadLetters;
using Conveyor.UnitOfWork;

public static class PostgresStores
{
    public static IDeduplicationStore Deduplication(TimeProvider time, TimeSpan retention) => throw new NotSupportedException();

    public static ValueTask<IUnitOfWork> BeginTransactionAsync() => throw new NotSupportedException();

    public static Task<IDeadLetterStore> EmptyDeadLetterStoreAsync() => throw new NotSupportedException();
}
