namespace Conveyor.UnitOfWork;

/// <summary>
/// The transaction one handled message runs in. The inbound pipeline begins it before the deduplication claim and
/// commits it after the handler and the hand-over of the messages the handler sent, so that the claim, the handler's
/// state changes and its outgoing messages (through an outbox) commit together or not at all. A store package
/// implements it over its database transaction; the in-memory default only runs its participants.
/// </summary>
public interface IUnitOfWork
{
    /// <summary>The DI scope of the message being handled.</summary>
    IServiceProvider Services { get; }

    /// <summary>
    /// Adds work that commits or rolls back with this unit of work, such as an in-memory deduplication claim. A
    /// database-backed participant usually needs none: it writes through the unit of work's own transaction.
    /// </summary>
    /// <param name="participant">The participant.</param>
    void Enlist(IUnitOfWorkParticipant participant);

    /// <summary>Makes everything done in this unit of work durable, then commits the participants.</summary>
    /// <param name="cancellationToken">Cancels the commit.</param>
    /// <returns>A task that completes once committed.</returns>
    ValueTask CommitAsync(CancellationToken cancellationToken);

    /// <summary>Undoes everything done in this unit of work and rolls the participants back. Never throws for a unit of work already rolled back.</summary>
    /// <param name="cancellationToken">Cancels the rollback.</param>
    /// <returns>A task that completes once rolled back.</returns>
    ValueTask RollbackAsync(CancellationToken cancellationToken);
}
