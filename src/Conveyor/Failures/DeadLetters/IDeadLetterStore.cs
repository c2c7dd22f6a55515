namespace Conveyor.Failures.DeadLetters;

/// <summary>
/// Where finally failed messages are kept for review: in memory, a database table or a Kafka topic.
/// A message is acknowledged only after <see cref="AddAsync"/> completes, so a crash never loses it.
/// Every implementation must pass <c>DeadLetterStoreCompliance</c> (tests/Conveyor.Compliance).
/// </summary>
public interface IDeadLetterStore
{
    /// <summary>
    /// Stores <paramref name="deadLetter"/> durably, replacing the entry with the same <see cref="DeadLetter.Id"/>
    /// (the same message failed at the same endpoint again); a dead letter of the same message at another endpoint
    /// is another entry.
    /// </summary>
    /// <param name="deadLetter">The dead letter.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes once it is stored.</returns>
    ValueTask AddAsync(DeadLetter deadLetter, CancellationToken cancellationToken);

    /// <summary>
    /// Lists the dead letters <paramref name="query"/> selects, oldest first: ordered by
    /// (<see cref="DeadLetter.FailedAt"/>, <see cref="DeadLetter.Id"/> ordinal), continuing after
    /// <see cref="DeadLetterQuery.After"/> (keyset paging on that pair).
    /// </summary>
    /// <param name="query">Filters, page size and continuation.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The page, with a token for the next one when more follow.</returns>
    ValueTask<DeadLetterPage> ListAsync(DeadLetterQuery query, CancellationToken cancellationToken);

    /// <summary>Finds one dead letter.</summary>
    /// <param name="id">Its <see cref="DeadLetter.Id"/>.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The dead letter, or <see langword="null"/>.</returns>
    ValueTask<DeadLetter?> GetAsync(string id, CancellationToken cancellationToken);

    /// <summary>Removes one dead letter.</summary>
    /// <param name="id">Its <see cref="DeadLetter.Id"/>.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>Whether it existed.</returns>
    ValueTask<bool> DeleteAsync(string id, CancellationToken cancellationToken);
}
