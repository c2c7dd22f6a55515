using Conveyor.UnitOfWork;

namespace Conveyor.Deduplication;

/// <summary>
/// Remembers which keys each endpoint has handled, for <see cref="DeduplicatedAttribute"/>. A key is claimed inside
/// the unit of work the message is handled in, before the handler runs: atomically, so two deliveries of one message
/// never both run, and together with the handler's work, so a failed handler leaves no claim behind. Every
/// implementation must pass <c>DeduplicationStoreCompliance</c> (tests/Conveyor.Compliance).
/// </summary>
public interface IDeduplicationStore
{
    /// <summary>
    /// Claims <paramref name="key"/> for <paramref name="endpointId"/> inside <paramref name="unitOfWork"/>. While
    /// another unit of work holds an uncommitted claim of the same endpoint and key, waits until that one commits (then
    /// returns <see langword="false"/>) or rolls back (then this claim proceeds). The claim becomes permanent for the
    /// retention window when <paramref name="unitOfWork"/> commits, measured from then, and disappears when it rolls back.
    /// A database store inserts the key with ON CONFLICT DO NOTHING in the unit of work's transaction; the in-memory
    /// store enlists an <see cref="IUnitOfWorkParticipant"/>.
    /// </summary>
    /// <param name="endpointId">The endpoint; keys of different endpoints never collide.</param>
    /// <param name="key">The deduplication key.</param>
    /// <param name="unitOfWork">The unit of work the message is handled in.</param>
    /// <param name="cancellationToken">Cancels the claim, also while it waits for another unit of work.</param>
    /// <returns>
    /// <see langword="true"/> for the first claim: handle the message. <see langword="false"/> when the key was
    /// already handled (committed) within the retention window: a duplicate, skip it.
    /// </returns>
    ValueTask<bool> TryClaimAsync(string endpointId, string key, IUnitOfWork unitOfWork, CancellationToken cancellationToken);

    /// <summary>Forgets the keys whose retention has passed. Called periodically by the host.</summary>
    /// <param name="cancellationToken">Cancels the clean-up.</param>
    /// <returns>How many keys were forgotten.</returns>
    ValueTask<int> RemoveExpiredAsync(CancellationToken cancellationToken);
}
