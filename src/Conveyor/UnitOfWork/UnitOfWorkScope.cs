namespace Conveyor.UnitOfWork;

/// <summary>Begins explicit units of work with the application's <see cref="IUnitOfWorkFactory"/>, in the scope's services.</summary>
internal sealed class UnitOfWorkScope(IUnitOfWorkFactory factory, IServiceProvider services) : IUnitOfWorkScope
{
    public ValueTask<ExplicitUnitOfWork> BeginAsync(CancellationToken cancellationToken) => ExplicitUnitOfWork.BeginAsync(factory, services, cancellationToken);
}
