using System.Data.Common;
using Conveyor.UnitOfWork;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Storage;

/// <summary>
/// What every store package's unit of work does the same way (compiled by each store package, like
/// <see cref="LeasedMessageScheduler"/>): it holds one connection and one transaction on it, runs the stores' work
/// queued for just before the commit in that transaction, commits, and then tells the enlisted participants; a failed
/// commit rolls back. The package's public unit of work wraps it and says how the transaction ends (the dialect's
/// hook: SQLite also releases the database's write lock, PostgreSQL returns the connection to the pool).
/// </summary>
/// <typeparam name="TConnection">The package's connection type.</typeparam>
/// <typeparam name="TTransaction">The package's transaction type.</typeparam>
/// <param name="owner">The public unit of work, named when a call comes after the end.</param>
/// <param name="connection">The open connection.</param>
/// <param name="transaction">The transaction on <paramref name="connection"/>.</param>
/// <param name="end">Disposes the transaction (rolling back what was not committed) and the connection; called once.</param>
/// <param name="commit">
/// Commits the transaction, after the work queued for just before the commit ran; null commits it as it is. PostgreSQL
/// sends its last writes in one batch with the <c>COMMIT</c>.
/// </param>
/// <param name="handOver">
/// For a unit of work that is part of a larger transaction (a database channel's batch): takes the enlisted
/// participants on commit, to tell them once that transaction commits or rolls back; null tells them at once.
/// </param>
internal sealed class StoreUnitOfWork<TConnection, TTransaction>(
    object owner,
    TConnection connection,
    TTransaction transaction,
    Func<TConnection, TTransaction, ValueTask> end,
    Func<TTransaction, CancellationToken, Task>? commit = null,
    Action<IUnitOfWorkParticipant>? handOver = null)
    where TConnection : DbConnection
    where TTransaction : DbTransaction
{
    private List<Func<TConnection, TTransaction, CancellationToken, Task>>? _committing;
    private List<IUnitOfWorkParticipant>? _participants;

    /// <summary>Whether it was committed or rolled back.</summary>
    public bool IsEnded { get; private set; }

    /// <exception cref="ObjectDisposedException">The unit of work has ended.</exception>
    public TConnection Connection
    {
        get
        {
            ObjectDisposedException.ThrowIf(IsEnded, owner);
            return connection;
        }
    }

    /// <exception cref="ObjectDisposedException">The unit of work has ended.</exception>
    public TTransaction Transaction
    {
        get
        {
            ObjectDisposedException.ThrowIf(IsEnded, owner);
            return transaction;
        }
    }

    public void Enlist(IUnitOfWorkParticipant participant)
    {
        ArgumentNullException.ThrowIfNull(participant);
        ObjectDisposedException.ThrowIf(IsEnded, owner);
        (_participants ??= []).Add(participant);
    }

    /// <summary>Runs <paramref name="work"/> in the transaction just before it commits (a claim's expiry is measured from the commit).</summary>
    public void OnCommitting(Func<TConnection, TTransaction, CancellationToken, Task> work) => (_committing ??= []).Add(work);

    public async ValueTask CommitAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(IsEnded, owner);
        try
        {
            if (_committing is not null)
            {
                foreach (var work in _committing)
                {
                    await work(connection, transaction, cancellationToken).ConfigureAwait(false);
                }
            }

            await (commit is null ? transaction.CommitAsync(cancellationToken) : commit(transaction, cancellationToken)).ConfigureAwait(false);
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
                if (handOver is not null)
                {
                    handOver(participant);
                }
                else
                {
                    await participant.CommitAsync(cancellationToken).ConfigureAwait(false);
                }
            }
        }
    }

    public async ValueTask RollbackAsync(CancellationToken cancellationToken)
    {
        if (IsEnded)
        {
            return;
        }

        // Disposing an uncommitted transaction rolls it back; the end hook releases what it holds even when that fails.
        await EndAsync().ConfigureAwait(false);
        for (var i = (_participants?.Count ?? 0) - 1; i >= 0; i--)
        {
            await _participants![i].RollbackAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private ValueTask EndAsync()
    {
        IsEnded = true;
        return end(connection, transaction);
    }
}

/// <summary>Holds the message's store unit of work in its DI scope, so that handlers and the scoped stores can use it.</summary>
/// <typeparam name="TUnitOfWork">The store package's unit of work.</typeparam>
internal sealed class UnitOfWorkSlot<TUnitOfWork>
    where TUnitOfWork : class
{
    public TUnitOfWork? Current { get; set; }
}

/// <summary>Begins a store package's unit of work per received message and makes it the scope's.</summary>
/// <typeparam name="TUnitOfWork">The store package's unit of work.</typeparam>
/// <param name="connectionType">The type of the unit of work's connection (<see cref="IDbUnitOfWorkFactory.ConnectionType"/>).</param>
/// <param name="begin">Begins a unit of work on the package's database.</param>
/// <param name="root">The root provider: a message handled without a scope has no slot to fill.</param>
internal sealed class StoreUnitOfWorkFactory<TUnitOfWork>(
    Type connectionType,
    Func<IServiceProvider, CancellationToken, ValueTask<TUnitOfWork>> begin,
    IServiceProvider root) : IDbUnitOfWorkFactory
    where TUnitOfWork : class, IUnitOfWork
{
    public Type ConnectionType => connectionType;

    public async ValueTask<IUnitOfWork> BeginAsync(IServiceProvider services, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(services);
        var unitOfWork = await begin(services, cancellationToken).ConfigureAwait(false);

        // A scoped slot resolved from the root would be shared by every message (or refused with scope validation);
        // an endpoint without a scope injects nothing scoped anyway.
        if (!ReferenceEquals(services, root) && services.GetService<UnitOfWorkSlot<TUnitOfWork>>() is { } slot)
        {
            slot.Current = unitOfWork;
        }

        return unitOfWork;
    }
}
