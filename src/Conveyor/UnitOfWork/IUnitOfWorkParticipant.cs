namespace Conveyor.UnitOfWork;

/// <summary>Work that commits or rolls back with an <see cref="IUnitOfWork"/>.</summary>
public interface IUnitOfWorkParticipant
{
    /// <summary>Called once the unit of work committed.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when done.</returns>
    ValueTask CommitAsync(CancellationToken cancellationToken);

    /// <summary>Called when the unit of work rolls back.</summary>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>A task that completes when done.</returns>
    ValueTask RollbackAsync(CancellationToken cancellationToken);
}
