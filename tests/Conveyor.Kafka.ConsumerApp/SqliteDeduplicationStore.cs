using Conveyor.Deduplication;
using Conveyor.UnitOfWork;

namespace Conveyor.Kafka.ConsumerApp;

/// <summary>
/// Conveyor's deduplication over the app's database: a message is a duplicate when its key is in the
/// <c>processed</c> table.
/// </summary>
/// <remarks>
/// The unit of work Conveyor claims in is not a transaction of this database, so the atomic claim cannot be made
/// through it. Where it can be made — the work endpoint, whose handler writes its effect in a transaction of its
/// own — the handler makes it: <see cref="WorkDatabase.ApplyOnceAsync"/> inserts the key with INSERT OR IGNORE in
/// the effect's transaction, so effect and claim commit together or not at all, and of two deliveries running at
/// once (a partition moving between processes while the old owner still works on it) only one commits its effect.
/// <see cref="TryClaimAsync"/> is then the cheap read that skips a redelivery before the handler runs. For any other
/// endpoint the key is written in a SQLite transaction of its own once Conveyor's unit of work commits.
/// Keys are kept for the life of the database: the reliability tests need no retention.
/// </remarks>
public sealed class SqliteDeduplicationStore(WorkDatabase database) : IDeduplicationStore
{
    /// <summary>Endpoints whose handlers claim their keys inside their own transaction.</summary>
    private static readonly HashSet<string> ClaimedByHandler = new(StringComparer.Ordinal) { WorkContract.EndpointId };

    /// <inheritdoc />
    public async ValueTask<bool> TryClaimAsync(string endpointId, string key, IUnitOfWork unitOfWork, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(unitOfWork);
        if (await database.IsProcessedAsync(endpointId, key, cancellationToken).ConfigureAwait(false))
        {
            await database.RecordDuplicateAsync(key, "store", cancellationToken).ConfigureAwait(false);
            return false;
        }

        if (!ClaimedByHandler.Contains(endpointId))
        {
            unitOfWork.Enlist(new MarkOnCommit(database, endpointId, key));
        }

        return true;
    }

    /// <inheritdoc />
    public ValueTask<int> RemoveExpiredAsync(CancellationToken cancellationToken) => ValueTask.FromResult(0);

    /// <summary>Writes the key once the unit of work committed; nothing to undo when it rolls back.</summary>
    private sealed class MarkOnCommit(WorkDatabase database, string endpointId, string key) : IUnitOfWorkParticipant
    {
        public async ValueTask CommitAsync(CancellationToken cancellationToken) =>
            await database.MarkProcessedAsync(endpointId, key, cancellationToken).ConfigureAwait(false);

        public ValueTask RollbackAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;
    }
}
