namespace Conveyor.UnitOfWork;

/// <summary>
/// A unit of work begun by <see cref="IUnitOfWorkScope.BeginAsync"/>, ambient while it is open: messages sent through the
/// buses in it are handed over with it (to the outbox, with a store that has one). A named publisher (which returns
/// where its record was written) still sends at once.
/// </summary>
public sealed class ExplicitUnitOfWork : IAsyncDisposable
{
    private static readonly AsyncLocal<Holder?> Ambient = new();
    private readonly Holder _holder;
    private readonly UnitOfWorkAccessor? _accessor;
    private bool _committed;

    private ExplicitUnitOfWork(IUnitOfWork unitOfWork, Holder holder, UnitOfWorkAccessor? accessor)
    {
        UnitOfWork = unitOfWork;
        _holder = holder;
        _accessor = accessor;
    }

    /// <summary>The unit of work itself.</summary>
    public IUnitOfWork UnitOfWork { get; }

    /// <summary>The unit of work as a database transaction, for the caller's own SQL (Dapper, ADO.NET, EF Core's <c>UseTransaction</c>).</summary>
    /// <exception cref="InvalidOperationException">The unit of work is not a database's: no store package (UseSqlite, …) is configured.</exception>
    public IDbUnitOfWork Database => UnitOfWork as IDbUnitOfWork
        ?? throw new InvalidOperationException($"The unit of work is a {UnitOfWork.GetType().Name}, not a database transaction. Configure a store package (e.g. UseSqlite) to write in the same transaction as the outbox.");

    /// <summary>The explicit unit of work open in this async flow, or null.</summary>
    internal static IUnitOfWork? Current => Ambient.Value?.Current?.UnitOfWork;

    /// <summary>Commits the caller's writes and the messages sent in the unit of work together.</summary>
    /// <param name="cancellationToken">Cancels the commit.</param>
    /// <returns>A task that completes once committed.</returns>
    public async ValueTask CommitAsync(CancellationToken cancellationToken)
    {
        End();
        await UnitOfWork.CommitAsync(cancellationToken).ConfigureAwait(false);
        _committed = true;
    }

    /// <summary>Rolls back what was not committed (nothing sent in it leaves) and ends the ambient unit of work.</summary>
    /// <returns>A task that completes once rolled back.</returns>
    public async ValueTask DisposeAsync()
    {
        End();
        if (!_committed)
        {
            await UnitOfWork.RollbackAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    private void End()
    {
        _holder.Current = null;
        if (_accessor is not null && ReferenceEquals(_accessor.Current, UnitOfWork))
        {
            _accessor.Current = null;
        }
    }

    /// <summary>Makes a holder ambient now (synchronously, so that it flows to the caller), then begins the unit of work into it.</summary>
    internal static ValueTask<ExplicitUnitOfWork> BeginAsync(IUnitOfWorkFactory factory, IServiceProvider services, CancellationToken cancellationToken)
    {
        if (HandlerContext.Current is not null)
        {
            throw new InvalidOperationException("A handler already runs in its message's unit of work: inject IDbUnitOfWork (or the store's unit of work) instead of beginning one.");
        }

        if (Current is not null)
        {
            throw new InvalidOperationException("An explicit unit of work is already open in this flow: commit or dispose it before beginning another.");
        }

        var holder = new Holder();
        Ambient.Value = holder;
        return BeginIntoAsync(factory, services, holder, cancellationToken);
    }

    private static async ValueTask<ExplicitUnitOfWork> BeginIntoAsync(IUnitOfWorkFactory factory, IServiceProvider services, Holder holder, CancellationToken cancellationToken)
    {
        var unitOfWork = await factory.BeginAsync(services, cancellationToken).ConfigureAwait(false);

        // The scope's unit of work, as for a handled message: a DbContext resolved from the scope afterwards joins it.
        var accessor = services.GetService(typeof(UnitOfWorkAccessor)) as UnitOfWorkAccessor;
        accessor?.Current = unitOfWork;
        holder.Current = new ExplicitUnitOfWork(unitOfWork, holder, accessor);
        return holder.Current;
    }

    /// <summary>The ambient slot: a reference the caller's flow keeps, filled after the asynchronous begin.</summary>
    private sealed class Holder
    {
        public ExplicitUnitOfWork? Current { get; set; }
    }
}
