using Conveyor.UnitOfWork;

namespace Conveyor.Outbox;

/// <summary>
/// Where the outbox keeps messages between the commit of the transaction that sent them and their relay to their
/// channels. A store package implements it over its database: <see cref="AppendAsync"/> writes in the unit of work's own
/// transaction, the rest runs in transactions of the store's own. Every implementation passes the outbox compliance suite.
/// </summary>
/// <remarks>
/// Rows are kept per lane (<see cref="OutboxMessage.Lane"/>) in append order. A relay leases whole lanes, not rows: a
/// lane is held by one relay at a time, so the messages of one partition key leave in the order they were committed,
/// however many relays run.
/// </remarks>
public interface IOutboxStore
{
    /// <summary>Whether <see cref="AppendAsync"/> can write in <paramref name="unitOfWork"/>'s transaction (a unit of work of this store's database).</summary>
    /// <param name="unitOfWork">The unit of work.</param>
    /// <returns>True when it can.</returns>
    bool CanAppendIn(IUnitOfWork unitOfWork);

    /// <summary>Writes <paramref name="message"/> in <paramref name="unitOfWork"/>'s transaction: it exists once that commits, and never if it rolls back.</summary>
    /// <param name="unitOfWork">A unit of work <see cref="CanAppendIn"/> accepts.</param>
    /// <param name="message">The message.</param>
    /// <param name="cancellationToken">Cancels the write.</param>
    /// <returns>A task that completes once written (not committed).</returns>
    ValueTask AppendAsync(IUnitOfWork unitOfWork, OutboxMessage message, CancellationToken cancellationToken);

    /// <summary>
    /// In one transaction: renews the leases of the lanes <see cref="OutboxClaim.Owner"/> holds, releases those of them
    /// that are empty, leases free lanes with messages (never held by another owner whose lease runs) up to
    /// <see cref="OutboxClaim.MaxLanes"/>, and returns the first <see cref="OutboxClaim.BatchSize"/> messages of every
    /// lane the owner holds, in append order per lane.
    /// </summary>
    /// <param name="claim">Who claims, for how long, how much.</param>
    /// <param name="cancellationToken">Cancels the claim.</param>
    /// <returns>The messages to relay; empty when there are none the owner may relay.</returns>
    ValueTask<IReadOnlyList<OutboxRow>> ClaimAsync(OutboxClaim claim, CancellationToken cancellationToken);

    /// <summary>Deletes relayed messages, only those in lanes <paramref name="owner"/> still holds.</summary>
    /// <param name="owner">The relay that relayed them.</param>
    /// <param name="ids">The rows' <see cref="OutboxRow.Id"/>s.</param>
    /// <param name="cancellationToken">Cancels the delete.</param>
    /// <returns>How many were deleted: fewer than given when a lease was lost to another relay (which relays them again).</returns>
    ValueTask<int> CompleteAsync(string owner, IReadOnlyList<long> ids, CancellationToken cancellationToken);

    /// <summary>Hands back every lane <paramref name="owner"/> holds, for a relay that stops.</summary>
    /// <param name="owner">The relay.</param>
    /// <param name="cancellationToken">Cancels the release.</param>
    /// <returns>A task that completes once released.</returns>
    ValueTask ReleaseAsync(string owner, CancellationToken cancellationToken);

    /// <summary>How many messages wait to be relayed (committed, not yet completed).</summary>
    /// <param name="cancellationToken">Cancels the count.</param>
    /// <returns>The count.</returns>
    ValueTask<long> CountAsync(CancellationToken cancellationToken);
}
