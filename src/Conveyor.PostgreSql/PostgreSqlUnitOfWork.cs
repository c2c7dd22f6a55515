using System.Data.Common;
using Conveyor.Storage;
using Conveyor.UnitOfWork;
using Npgsql;

namespace Conveyor.PostgreSql;

/// <summary>
/// The transaction one received message is handled in: a pooled connection and a READ COMMITTED transaction on it,
/// from the begin to the commit or rollback. The deduplication claim, a delayed message the handler sends and the
/// handler's own SQL (through
/// <see cref="Connection"/> and <see cref="Transaction"/>, or <see cref="CreateCommand"/>) commit together or not at
/// all. Inject it in a handler (as itself or as <see cref="IDbUnitOfWork"/>): it is a scoped service while a message
/// is handled.
/// </summary>
public sealed class PostgreSqlUnitOfWork : IDbUnitOfWork, IStoreUnitOfWork, IAsyncDisposable
{
    private readonly StoreUnitOfWork<NpgsqlConnection, NpgsqlTransaction> _work;

    internal PostgreSqlUnitOfWork(PostgreSqlDatabase database, IServiceProvider services, NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        Database = database;
        Services = services;
        _work = new(this, connection, transaction, EndAsync);
    }

    /// <inheritdoc />
    public IServiceProvider Services { get; }

    /// <summary>The unit of work's open connection; commands on it must use <see cref="Transaction"/>.</summary>
    /// <exception cref="ObjectDisposedException">The unit of work has ended.</exception>
    public NpgsqlConnection Connection => _work.Connection;

    /// <summary>The unit of work's transaction.</summary>
    /// <exception cref="ObjectDisposedException">The unit of work has ended.</exception>
    public NpgsqlTransaction Transaction => _work.Transaction;

    /// <inheritdoc />
    DbConnection IDbUnitOfWork.Connection => Connection;

    /// <inheritdoc />
    DbTransaction IDbUnitOfWork.Transaction => Transaction;

    internal PostgreSqlDatabase Database { get; }

    internal bool IsEnded => _work.IsEnded;

    /// <inheritdoc />
    bool IStoreUnitOfWork.IsEnded => IsEnded;

    /// <summary>A command on <see cref="Connection"/> in <see cref="Transaction"/>.</summary>
    /// <param name="commandText">The SQL.</param>
    /// <returns>The command, which the caller disposes.</returns>
    public NpgsqlCommand CreateCommand(string commandText) => new(commandText, Connection, Transaction);

    /// <inheritdoc />
    public void Enlist(IUnitOfWorkParticipant participant) => _work.Enlist(participant);

    /// <summary>Runs <paramref name="work"/> in the transaction just before it commits (a claim's expiry is measured from the commit).</summary>
    internal void OnCommitting(Func<NpgsqlConnection, NpgsqlTransaction, CancellationToken, Task> work) => _work.OnCommitting(work);

    /// <inheritdoc />
    public ValueTask CommitAsync(CancellationToken cancellationToken) => _work.CommitAsync(cancellationToken);

    /// <inheritdoc />
    public ValueTask RollbackAsync(CancellationToken cancellationToken) => _work.RollbackAsync(cancellationToken);

    /// <summary>Rolls back a unit of work that was neither committed nor rolled back (the message's scope ended first).</summary>
    /// <returns>A task that completes once rolled back.</returns>
    public ValueTask DisposeAsync() => RollbackAsync(CancellationToken.None);

    // Disposing an uncommitted transaction rolls it back; the connection goes back to the pool even when that fails.
    private static async ValueTask EndAsync(NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        try
        {
            await transaction.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            await connection.DisposeAsync().ConfigureAwait(false);
        }
    }
}
