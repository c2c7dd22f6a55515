using System.Data.Common;
using Conveyor.Storage;
using Conveyor.UnitOfWork;
using Microsoft.Data.Sqlite;

namespace Conveyor.Sqlite;

/// <summary>
/// The transaction one received message is handled in: one connection, holding the database's write lock in a
/// <c>BEGIN IMMEDIATE</c> transaction from the begin to the commit or rollback. The deduplication claim, a delayed
/// message the handler sends and the handler's own SQL (through <see cref="Connection"/> and
/// <see cref="Transaction"/>, or <see cref="CreateCommand"/>) commit together or not at all. Inject it in a handler:
/// it is a scoped service while a message is handled.
/// </summary>
public sealed class SqliteUnitOfWork : IDbUnitOfWork, IStoreUnitOfWork, IAsyncDisposable
{
    private readonly StoreUnitOfWork<SqliteConnection, SqliteTransaction> _work;

    internal SqliteUnitOfWork(SqliteDatabase database, IServiceProvider services, SqliteConnection connection, SqliteTransaction transaction)
    {
        Database = database;
        Services = services;
        _work = new(this, connection, transaction, database.EndWrite);
    }

    /// <inheritdoc />
    public IServiceProvider Services { get; }

    /// <summary>The unit of work's open connection; commands on it must use <see cref="Transaction"/>.</summary>
    /// <exception cref="ObjectDisposedException">The unit of work has ended.</exception>
    public SqliteConnection Connection => _work.Connection;

    /// <summary>The unit of work's transaction.</summary>
    /// <exception cref="ObjectDisposedException">The unit of work has ended.</exception>
    public SqliteTransaction Transaction => _work.Transaction;

    /// <inheritdoc />
    DbConnection IDbUnitOfWork.Connection => Connection;

    /// <inheritdoc />
    DbTransaction IDbUnitOfWork.Transaction => Transaction;

    internal SqliteDatabase Database { get; }

    internal bool IsEnded => _work.IsEnded;

    /// <inheritdoc />
    bool IStoreUnitOfWork.IsEnded => IsEnded;

    /// <summary>A command on <see cref="Connection"/> in <see cref="Transaction"/>.</summary>
    /// <param name="commandText">The SQL.</param>
    /// <returns>The command, which the caller disposes.</returns>
    public SqliteCommand CreateCommand(string commandText)
    {
        var command = Connection.CreateCommand();
        command.Transaction = Transaction;
        command.CommandText = commandText;
        return command;
    }

    /// <inheritdoc />
    public void Enlist(IUnitOfWorkParticipant participant) => _work.Enlist(participant);

    /// <summary>Runs <paramref name="work"/> in the transaction just before it commits (a claim's expiry is measured from the commit).</summary>
    internal void OnCommitting(Func<SqliteConnection, SqliteTransaction, CancellationToken, Task> work) => _work.OnCommitting(work);

    /// <inheritdoc />
    public ValueTask CommitAsync(CancellationToken cancellationToken) => _work.CommitAsync(cancellationToken);

    /// <inheritdoc />
    public ValueTask RollbackAsync(CancellationToken cancellationToken) => _work.RollbackAsync(cancellationToken);

    /// <summary>Rolls back a unit of work that was neither committed nor rolled back (the message's scope ended first).</summary>
    /// <returns>A task that completes once rolled back.</returns>
    public ValueTask DisposeAsync() => RollbackAsync(CancellationToken.None);
}
