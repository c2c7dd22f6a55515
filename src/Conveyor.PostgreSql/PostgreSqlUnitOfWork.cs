using System.Data.Common;
using Conveyor.PostgreSql.Channels;
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
/// <remarks>
/// A message received from a PostgreSQL database channel of the same database is handled inside its consumer's batch
/// transaction (<see cref="Conveyor.Channels.Database.DatabaseChannelOptions.TransactionPerBatch"/>): the unit of work is then
/// a part of that transaction. The first time <see cref="Connection"/>, <see cref="Transaction"/> or
/// <see cref="CreateCommand"/> is used it takes a <c>SAVEPOINT</c>, so that the handler's SQL rolls back with its
/// failure without the other messages' work; its commit releases the savepoint, and everything commits with the batch.
/// </remarks>
public sealed class PostgreSqlUnitOfWork : IDbUnitOfWork, IStoreUnitOfWork, IAsyncDisposable
{
    private readonly StoreUnitOfWork<NpgsqlConnection, NpgsqlTransaction> _work;
    private readonly PostgreSqlChannelBatch? _batch;
    private List<Func<NpgsqlBatchCommand>>? _committingWith;
    private List<long>? _acknowledged;
    private string? _savepoint;
    private bool _committed;

    internal PostgreSqlUnitOfWork(PostgreSqlDatabase database, IServiceProvider services, NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        Database = database;
        Services = services;
        _work = new(this, connection, transaction, EndAsync, CommitTransactionAsync);
    }

    /// <summary>A unit of work that is part of a database channel's batch transaction.</summary>
    internal PostgreSqlUnitOfWork(PostgreSqlDatabase database, IServiceProvider services, PostgreSqlChannelBatch batch)
    {
        Database = database;
        Services = services;
        _batch = batch;
        batch.Member = this;
        _work = new(this, batch.Connection, batch.Transaction, EndMemberAsync, CommitMemberAsync, batch.Enlist);
    }

    /// <inheritdoc />
    public IServiceProvider Services { get; }

    /// <summary>The unit of work's open connection; commands on it must use <see cref="Transaction"/>.</summary>
    /// <exception cref="ObjectDisposedException">The unit of work has ended.</exception>
    public NpgsqlConnection Connection
    {
        get
        {
            var connection = _work.Connection;
            EnterSavepoint();
            return connection;
        }
    }

    /// <summary>The unit of work's transaction.</summary>
    /// <exception cref="ObjectDisposedException">The unit of work has ended.</exception>
    public NpgsqlTransaction Transaction
    {
        get
        {
            var transaction = _work.Transaction;
            EnterSavepoint();
            return transaction;
        }
    }

    /// <inheritdoc />
    DbConnection IDbUnitOfWork.Connection => Connection;

    /// <inheritdoc />
    DbTransaction IDbUnitOfWork.Transaction => Transaction;

    internal PostgreSqlDatabase Database { get; }

    /// <summary>The database channel batch this unit of work is part of, or null for a transaction of its own.</summary>
    internal PostgreSqlChannelBatch? Batch => _batch;

    /// <summary>The connection for Conveyor's own statements, which take no savepoint (in a batch, what they write is settled by the batch).</summary>
    internal NpgsqlConnection OwnConnection => _work.Connection;

    /// <summary>The transaction for Conveyor's own statements.</summary>
    internal NpgsqlTransaction OwnTransaction => _work.Transaction;

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
    /// In a batch, the work runs under the unit of work's savepoint, so that a failure of it undoes it alone.
    internal void OnCommitting(Func<NpgsqlConnection, NpgsqlTransaction, CancellationToken, Task> work) =>
        _work.OnCommitting(_batch is null ? work : async (connection, transaction, cancellationToken) =>
        {
            await EnterSavepointAsync(cancellationToken).ConfigureAwait(false);
            await work(connection, transaction, cancellationToken).ConfigureAwait(false);
        });

    /// <summary>
    /// Sends the statement <paramref name="command"/> makes (when the unit of work commits) in one batch with the
    /// <c>COMMIT</c>: one round trip for every such write and the commit. A statement that fails fails the commit, and
    /// the transaction rolls back.
    /// </summary>
    internal void OnCommitting(Func<NpgsqlBatchCommand> command) => (_committingWith ??= []).Add(command);

    /// <summary>In a batch: deletes a leased row of the batch's channel with the batch's acknowledgements, once this unit of work committed.</summary>
    internal void AcknowledgeWithBatch(long id) => (_acknowledged ??= []).Add(id);

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

    /// <summary>
    /// In a batch, the handler's SQL needs a savepoint to be undone alone: taken the first time it asks for the
    /// connection or transaction (synchronously, being a property), so a handler that never does costs no round trip.
    /// </summary>
    private void EnterSavepoint()
    {
        if (_batch is null || _savepoint is not null || _work.IsEnded)
        {
            return;
        }

        var savepoint = _batch.NextSavepoint();
        try
        {
            _work.Transaction.Save(savepoint);
        }
        catch
        {
            _batch.Break();
            throw;
        }

        _savepoint = savepoint;
    }

    private async ValueTask EnterSavepointAsync(CancellationToken cancellationToken)
    {
        if (_batch is null || _savepoint is not null)
        {
            return;
        }

        var savepoint = _batch.NextSavepoint();
        try
        {
            await _work.Transaction.SaveAsync(savepoint, cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            _batch.Break();
            throw;
        }

        _savepoint = savepoint;
    }

    /// <summary>
    /// A member's commit hands its buffered statements and claims to the batch, which commits them; a savepoint it took
    /// is released now, so that SQL of the handler's that left the transaction failed fails this message alone.
    /// </summary>
    private async Task CommitMemberAsync(NpgsqlTransaction transaction, CancellationToken cancellationToken)
    {
        if (_savepoint is not null)
        {
            await transaction.ReleaseAsync(_savepoint, cancellationToken).ConfigureAwait(false);
        }

        _committed = true;
        if (_committingWith is not null)
        {
            foreach (var command in _committingWith)
            {
                _batch!.OnCommitting(command);
            }
        }

        foreach (var id in _acknowledged ?? [])
        {
            _batch!.Acknowledge(id);
        }

        _batch!.Claims.Keep(this);
    }

    /// <summary>A member's end: rolled back, its SQL goes back to its savepoint and its claims are free again for a retry.</summary>
    private async ValueTask EndMemberAsync(NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        var batch = _batch!;
        if (ReferenceEquals(batch.Member, this))
        {
            batch.Member = null;
        }

        if (_committed)
        {
            return;
        }

        batch.Claims.Return(this);
        if (_savepoint is not null && batch.IsUsable)
        {
            try
            {
                // One round trip for both: the savepoint names are the batch's own, never user input.
                await using var back = new NpgsqlCommand($"ROLLBACK TO SAVEPOINT {_savepoint}; RELEASE SAVEPOINT {_savepoint};", connection, transaction);
                await back.ExecuteNonQueryAsync().ConfigureAwait(false);
            }
            catch
            {
                batch.Break();
                throw;
            }
        }
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
