namespace Conveyor.UnitOfWork;

/// <summary>Begins <see cref="InMemoryUnitOfWork"/>s.</summary>
public sealed class InMemoryUnitOfWorkFactory : IUnitOfWorkFactory
{
    /// <inheritdoc />
    public ValueTask<IUnitOfWork> BeginAsync(IServiceProvider services, CancellationToken cancellationToken) =>
        ValueTask.FromResult<IUnitOfWork>(new InMemoryUnitOfWork(services));
}
