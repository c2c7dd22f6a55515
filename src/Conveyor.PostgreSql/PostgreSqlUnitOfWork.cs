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
    private List<Func<NpgsqlBatchCommand>>? _committingWith;

    internal PostgreSqlUnitOfWork(PostgreSqlDatabase database, IServiceProvider services, NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        Database = database;
        Services = services;
        _work = new(this, connection, transaction, EndAsync, CommitTransactionAsync);
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

    /// <summary>
    /// Sends the statement <paramref name="command"/> makes (when the unit of work commits) in one batch with the
    /// <c>COMMIT</c>: one round trip for every such write and the commit. A statement that fails fails the commit, and
    /// the transaction rolls back.
    /// </summary>
    internal void OnCommitting(Func<NpgsqlBatchCommand> command) => (_committingWith ??= []).Add(command);

    /// <inheritdoc />
    public ValueTask CommitAsync(CancellationToken cancellationToken) => _work.CommitAsync(cancellationToken);

    /// <inheritdoc />
    public ValueTask RollbackAsync(CancellationToken cancellationToken) => _work.RollbackAsync(cancellationToken);

    /// <summary>Rolls back a unit of work that was neither committed nor rolled back (the message's scope ended first).</summary>
    /// <returns>A task that completes once rolled back.</returns>
    public ValueTask DisposeAsync() => RollbackAsync(CancellationToken.None);

    private async Task CommitTransactionAsync(NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        if (_committingWith is null)
        {
            await transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            return;
        }

        // Npgsql follows the server's transaction status, so a COMMIT in the batch ends the transaction as CommitAsync
        // would (disposing it afterwards sends nothing); after a failed statement the server skips the rest of the
        // batch, the COMMIT with it, and the unit of work rolls back.
        await using var batch = new NpgsqlBatch(transaction.Connection, transaction);
        foreach (var command in _committingWith)
        {
            batch.BatchCommands.Add(command());
        }

        batch.BatchCommands.Add(new NpgsqlBatchCommand("COMMIT"));
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

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
