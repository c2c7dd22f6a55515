using Conveyor.UnitOfWork;

namespace Conveyor.Storage;

/// <summary>A unit-of-work participant that runs an action once the unit of work committed, and nothing on a rollback: a wake-up for what the commit made visible.</summary>
/// <param name="committed">What to run after the commit.</param>
internal sealed class OnCommit(Action committed) : IUnitOfWorkParticipant
{
    public ValueTask CommitAsync(CancellationToken cancellationToken)
    {
        committed();
        return ValueTask.CompletedTask;
    }

    public ValueTask RollbackAsync(CancellationToken cancellationToken) => ValueTask.CompletedTask;
}
