using Conveyor.Deduplication;

namespace Conveyor.Kafka.ConsumerApp;

/// <summary>
/// Conveyor's deduplication over the app's database: a message is a duplicate when its key is in the
/// <c>processed</c> table.
/// </summary>
/// <remarks>
/// Why the handler writes <c>processed</c> itself, in the effect's transaction, instead of leaving it to
/// <see cref="MarkHandledAsync"/>: Conveyor marks a key after the handler returned, in a second write. A process
/// killed between the two leaves the effect committed and the key unmarked, and the redelivery applies the effect
/// again. Written in one transaction, effect and mark commit together or not at all. The same transaction also
/// settles two deliveries running at once (a partition moving between processes while the old owner still works
/// on it): both pass <see cref="IsHandledAsync"/>, and the primary key lets only one commit its effect.
/// <see cref="IsHandledAsync"/> stays useful as the cheap read that skips a redelivery before the handler runs.
/// </remarks>
public sealed class SqliteDeduplicationStore(WorkDatabase database) : IDeduplicationStore
{
    /// <summary>Endpoints whose handlers mark their keys inside their own transaction.</summary>
    private static readonly HashSet<string> MarkedByHandler = new(StringComparer.Ordinal) { WorkContract.EndpointId };

    /// <inheritdoc />
    public async ValueTask<bool> IsHandledAsync(string endpointId, string key, CancellationToken cancellationToken)
    {
        if (!await database.IsProcessedAsync(endpointId, key, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        await database.RecordDuplicateAsync(key, "store", cancellationToken).ConfigureAwait(false);
        return true;
    }

    /// <inheritdoc />
    public async ValueTask MarkHandledAsync(string endpointId, string key, CancellationToken cancellationToken)
    {
        if (!MarkedByHandler.Contains(endpointId))
        {
            await database.MarkProcessedAsync(endpointId, key, cancellationToken).ConfigureAwait(false);
        }
    }
}
