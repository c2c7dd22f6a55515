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
    private readonly SqliteConnection _connection;
    private readonly SqliteTransaction _transaction;
    private List<Action<SqliteConnection, SqliteTransaction>>? _committing;
    private List<IUnitOfWorkParticipant>? _participants;

    internal SqliteUnitOfWork(SqliteDatabase database, IServiceProvider services, SqliteConnection connection, SqliteTransaction transaction)
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
    public SqliteConnection Connection
    {
        get
        {
            ObjectDisposedException.ThrowIf(IsEnded, this);
            return _connection;
        }
    }

    /// <summary>The unit of work's transaction.</summary>
    /// <exception cref="ObjectDisposedException">The unit of work has ended.</exception>
    public SqliteTransaction Transaction
    {
        get
        {
            ObjectDisposedException.ThrowIf(IsEnded, this);
            return _transaction;
        }
    }

    /// <inheritdoc />
    System.Data.Common.DbConnection IDbUnitOfWork.Connection => Connection;

    /// <inheritdoc />
    System.Data.Common.DbTransaction IDbUnitOfWork.Transaction => Transaction;

    internal SqliteDatabase Database { get; }

    internal bool IsEnded { get; private set; }

    /// <inheritdoc />
    bool IStoreUnitOfWork.IsEnded => IsEnded;

    /// <summary>A command on <see cref="Connection"/> in <see cref="Transaction"/>.</summary>
    /// <param name="commandText">The SQL.</param>
    /// <returns>The command, which the caller disposes.</returns>
    public SqliteCommand CreateCommand(string commandText)
    {
        var command = Connection.CreateCommand();
        command.Transaction = _transaction;
        command.CommandText = commandText;
        return command;
    }

    /// <inheritdoc />
    public void Enlist(IUnitOfWorkParticipant participant)
    {
        ArgumentNullException.ThrowIfNull(participant);
        ObjectDisposedException.ThrowIf(IsEnded, this);
        (_participants ??= []).Add(participant);
    }

    /// <summary>Runs <paramref name="work"/> in the transaction just before it commits (a claim's expiry is measured from the commit).</summary>
    internal void OnCommitting(Action<SqliteConnection, SqliteTransaction> work) => (_committing ??= []).Add(work);

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
                    work(_connection, _transaction);
                }
            }

            await _transaction.CommitAsync(cancellationToken).ConfigureAwait(false);
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

        // Disposing an uncommitted transaction rolls it back; the lock is released even when that fails.
        await EndAsync().ConfigureAwait(false);
        for (var i = (_participants?.Count ?? 0) - 1; i >= 0; i--)
        {
            await _participants![i].RollbackAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Rolls back a unit of work that was neither committed nor rolled back (the message's scope ended first).</summary>
    /// <returns>A task that completes once rolled back.</returns>
    public ValueTask DisposeAsync() => RollbackAsync(CancellationToken.None);

    private ValueTask EndAsync()
    {
        IsEnded = true;
        return Database.EndWrite(_connection, _transaction);
    }
}
