namespace Conveyor.Failures.DeadLetters;

/// <summary>Reviews and resolves dead letters, as <c>conveyor dlq list|show|replay|delete</c> does.</summary>
public interface IDeadLetters
{
    /// <summary>
    /// Lists dead letters, oldest first, from the application's store and the channels' own stores together: one
    /// order by (<see cref="DeadLetter.FailedAt"/>, <see cref="DeadLetter.Id"/>), one page, one continuation token.
    /// </summary>
    /// <param name="query">Filters, page size and continuation; null for the first <see cref="DeadLetterQuery.DefaultLimit"/>.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The page.</returns>
    ValueTask<DeadLetterPage> ListAsync(DeadLetterQuery? query = null, CancellationToken cancellationToken = default);

    /// <summary>Finds one dead letter.</summary>
    /// <param name="id">Its <see cref="DeadLetter.Id"/>.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The dead letter, or null.</returns>
    ValueTask<DeadLetter?> GetAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>
    /// Sends the dead letter's original message back to the endpoint that failed (through its channel, addressed to
    /// that endpoint only), then removes it from the dead letter.
    /// </summary>
    /// <param name="id">Its id.</param>
    /// <param name="cancellationToken">Cancels the replay.</param>
    /// <returns>A task that completes once the message is back in its channel.</returns>
    ValueTask ReplayAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Removes a dead letter for good.</summary>
    /// <param name="id">Its id.</param>
    /// <param name="cancellationToken">Cancels the delete.</param>
    /// <returns>Whether it existed.</returns>
    ValueTask<bool> DeleteAsync(string id, CancellationToken cancellationToken = default);
}
