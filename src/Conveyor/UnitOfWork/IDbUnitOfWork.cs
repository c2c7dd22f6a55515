using System.Data.Common;

namespace Conveyor.UnitOfWork;

/// <summary>
/// A unit of work that is a database transaction, whichever the database: the store packages (SQLite, PostgreSQL)
/// implement it, so that code written against ADO.NET (Dapper, the EF Core integration, a handler's own commands)
/// joins the transaction the deduplication claim and the outbox commit in. Inject it in a handler: it is a scoped
/// service while a received message is handled.
/// </summary>
public interface IDbUnitOfWork : IUnitOfWork
{
    /// <summary>The unit of work's open connection; commands on it must use <see cref="Transaction"/>.</summary>
    DbConnection Connection { get; }

    /// <summary>The unit of work's transaction.</summary>
    DbTransaction Transaction { get; }
}
