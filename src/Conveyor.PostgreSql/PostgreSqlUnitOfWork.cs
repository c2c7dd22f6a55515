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
    private readonly NpgsqlConnection _connection;
    private readonly NpgsqlTransaction _transaction;
    private List<Func<NpgsqlConnection, NpgsqlTransaction, CancellationToken, Task>>? _committing;
    private List<Func<NpgsqlBatchCommand>>? _committingWith;
    private List<IUnitOfWorkParticipant>? _participants;

    internal PostgreSqlUnitOfWork(PostgreSqlDatabase database, IServiceProvider services, NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        Database = database;
        Services = services;
        _connection = connection;
        _transaction = transaction;
    }

    /// <inheritdoc />
    public IServiceProvider Services { get; }

    /// <summary>The unit of work's open connection; commands on it must use <see cref="Transaction"/>.</summary>
    /// <exception cref="ObjectDisposedException">The unit of work has ended.</exception>
    public NpgsqlConnection Connection
    {
        get
        {
            ObjectDisposedException.ThrowIf(IsEnded, this);
            return _connection;
        }
    }

    /// <summary>The unit of work's transaction.</summary>
    /// <exception cref="ObjectDisposedException">The unit of work has ended.</exception>
    public NpgsqlTransaction Transaction
    {
        get
        {
            ObjectDisposedException.ThrowIf(IsEnded, this);
            return _transaction;
        }
    }

    /// <inheritdoc />
    DbConnection IDbUnitOfWork.Connection => Connection;

    /// <inheritdoc />
    DbTransaction IDbUnitOfWork.Transaction => Transaction;

    internal PostgreSqlDatabase Database { get; }

    internal bool IsEnded { get; private set; }

    /// <inheritdoc />
    bool IStoreUnitOfWork.IsEnded => IsEnded;

    /// <summary>A command on <see cref="Connection"/> in <see cref="Transaction"/>.</summary>
    /// <param name="commandText">The SQL.</param>
    /// <returns>The command, which the caller disposes.</returns>
    public NpgsqlCommand CreateCommand(string commandText) => new(commandText, Connection, _transaction);

    /// <inheritdoc />
    public void Enlist(IUnitOfWorkParticipant participant)
    {
        ArgumentNullException.ThrowIfNull(participant);
        ObjectDisposedException.ThrowIf(IsEnded, this);
        (_participants ??= []).Add(participant);
    }

    /// <summary>Runs <paramref name="work"/> in the transaction just before it commits (a claim's expiry is measured from the commit).</summary>
    internal void OnCommitting(Func<NpgsqlConnection, NpgsqlTransaction, CancellationToken, Task> work) => (_committing ??= []).Add(work);

    /// <summary>
    /// Sends the statement <paramref name="command"/> makes (when the unit of work commits) in one batch with the
    /// <c>COMMIT</c>: one round trip for every such write and the commit. A statement that fails fails the commit, and
    /// the transaction rolls back.
    /// </summary>
    internal void OnCommitting(Func<NpgsqlBatchCommand> command) => (_committingWith ??= []).Add(command);

    /// <inheritdoc />
    public async ValueTask CommitAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(IsEnded, this);
        try
        {
            if (_committing is not null)
            {
                foreach (var work in _committing)
                {
                    await work(_connection, _transaction, cancellationToken).ConfigureAwait(false);
                }
            }

            if (_committingWith is null)
            {
                await _transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
            else
            {
                // Npgsql follows the server's transaction status, so a COMMIT in the batch ends the transaction as
                // CommitAsync would (disposing it afterwards sends nothing); after a failed statement the server skips
                // the rest of the batch, the COMMIT with it, and the rollback below ends the transaction.
                await using var batch = new NpgsqlBatch(_connection, _transaction);
                foreach (var command in _committingWith)
                {
                    batch.BatchCommands.Add(command());
                }

                batch.BatchCommands.Add(new NpgsqlBatchCommand("COMMIT"));
                await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
            }
        }
        catch
        {
            await RollbackAsync(CancellationToken.None).ConfigureAwait(false);
            throw;
        }

        await EndAsync().ConfigureAwait(false);
        if (_participants is not null)
        {
            foreach (var participant in _participants)
            {
                await participant.CommitAsync(cancellationToken).ConfigureAwait(false);
            }
        }
    }

    /// <inheritdoc />
    public async ValueTask RollbackAsync(CancellationToken cancellationToken)
    {
        if (IsEnded)
        {
            return;
        }

        // Disposing an uncommitted transaction rolls it back; the connection goes back to the pool even when that fails.
        await EndAsync().ConfigureAwait(false);
        for (var i = (_participants?.Count ?? 0) - 1; i >= 0; i--)
        {
            await _participants![i].RollbackAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Rolls back a unit of work that was neither committed nor rolled back (the message's scope ended first).</summary>
    /// <returns>A task that completes once rolled back.</returns>
    public ValueTask DisposeAsync() => RollbackAsync(CancellationToken.None);

    private async ValueTask EndAsync()
    {
        IsEnded = true;
        try
        {
            await _transaction.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            await _connection.DisposeAsync().ConfigureAwait(false);
        }
    }
}
