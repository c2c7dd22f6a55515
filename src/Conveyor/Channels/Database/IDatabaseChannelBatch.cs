namespace Conveyor.Channels.Database;

/// <summary>
/// The one transaction a consumer of a <see cref="DatabaseChannel"/> handles a leased batch in
/// (<see cref="IDatabaseChannelStore.BeginBatchAsync"/>): each message's unit of work on the store's database joins it,
/// and the acknowledgements, the deduplication claims and what every handled message wrote and sent commit together,
/// with one <c>COMMIT</c>. A message whose handling failed keeps none of its effects: the store undoes them
/// (its buffered writes dropped, its own SQL rolled back to a savepoint) without touching the others'.
/// </summary>
/// <remarks>
/// Disposing a batch that was not committed rolls it back: every message of it is delivered again once its lease is
/// released or runs out, and none of their effects is kept.
/// </remarks>
public interface IDatabaseChannelBatch : IAsyncDisposable
{
    /// <summary>
    /// Whether the transaction can take more work: false once a statement the store sent in it on its own account
    /// failed, which leaves it only to roll back.
    /// </summary>
    bool IsUsable { get; }

    /// <summary>
    /// Runs <paramref name="handle"/> for the message at <paramref name="index"/> of the batch with the transaction as
    /// its ambient one: a unit of work of the store's database begun inside joins it.
    /// </summary>
    /// <typeparam name="T">What the handling returns.</typeparam>
    /// <param name="index">The message's index in the list the batch began with.</param>
    /// <param name="handle">Hands the message to the handler.</param>
    /// <returns>What <paramref name="handle"/> returned.</returns>
    ValueTask<T> HandleAsync<T>(int index, Func<ValueTask<T>> handle);

    /// <summary>
    /// Deletes the message's row when the batch commits: the acknowledgement of a completed message (once, however
    /// often it is called for the row).
    /// </summary>
    /// <param name="id">The row id.</param>
    void Acknowledge(long id);

    /// <summary>
    /// Commits: the acknowledgements, everything the handled messages wrote and sent, and the <c>COMMIT</c>, in as few
    /// round trips as the database allows. A failure rolls everything back.
    /// </summary>
    /// <param name="cancellationToken">Cancels the commit.</param>
    /// <returns>How many acknowledged rows were not there to delete: their leases were lost to another consumer.</returns>
    ValueTask<int> CommitAsync(CancellationToken cancellationToken);
}
