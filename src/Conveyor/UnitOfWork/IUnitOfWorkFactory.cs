namespace Conveyor.UnitOfWork;

/// <summary>Begins units of work; a store package registers its own in place of the in-memory one.</summary>
public interface IUnitOfWorkFactory
{
    /// <summary>Begins a unit of work for one message.</summary>
    /// <param name="services">The message's DI scope.</param>
    /// <param name="cancellationToken">Cancels the start.</param>
    /// <returns>The unit of work.</returns>
    ValueTask<IUnitOfWork> BeginAsync(IServiceProvider services, CancellationToken cancellationToken);
}
