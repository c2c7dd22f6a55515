namespace Conveyor.UnitOfWork;

/// <summary>
/// Begins units of work that are <see cref="IDbUnitOfWork"/>s: a store package's factory tells which connection its
/// units of work hold, so that an integration (EF Core) can check at start-up that it can share that connection.
/// </summary>
public interface IDbUnitOfWorkFactory : IUnitOfWorkFactory
{
    /// <summary>The type of <see cref="IDbUnitOfWork.Connection"/>, e.g. <c>SqliteConnection</c>.</summary>
    Type ConnectionType { get; }
}
