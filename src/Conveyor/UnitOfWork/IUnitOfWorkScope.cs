namespace Conveyor.UnitOfWork;

/// <summary>
/// Begins a unit of work for code outside a handler (a web request, a job): what the buses send inside it goes to the
/// outbox in its transaction, the caller's own SQL joins it through <see cref="ExplicitUnitOfWork.Database"/>, and
/// <see cref="ExplicitUnitOfWork.CommitAsync"/> commits both. A scoped service: inject it where the request's services are.
/// </summary>
public interface IUnitOfWorkScope
{
    /// <summary>
    /// Begins the unit of work and makes it ambient for the code that awaits this call (not for the code that called
    /// that code: begin it in the method that sends and commits). Dispose it: disposing without a commit rolls back.
    /// </summary>
    /// <param name="cancellationToken">Cancels the begin.</param>
    /// <returns>The unit of work.</returns>
    /// <exception cref="InvalidOperationException">Called inside a handler (its message's unit of work is already there), or inside another explicit unit of work.</exception>
    ValueTask<ExplicitUnitOfWork> BeginAsync(CancellationToken cancellationToken);
}
