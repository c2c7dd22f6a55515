using System.Data.Common;
using System.Runtime.CompilerServices;
using Conveyor.UnitOfWork;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Conveyor.EntityFrameworkCore;

/// <summary>
/// Joins the DbContexts created in one DI scope to the scope's unit of work, when a received message is handled in
/// it: each context is given the unit of work's connection and transaction as it is created, so that everything it
/// reads and writes is in that transaction. Remembers the joined contexts for <see cref="SaveChangesInterceptor"/>.
/// </summary>
internal sealed class DbContextBinder(UnitOfWorkAccessor unitOfWork, IOptionsMonitor<ConveyorDbContextOptions> options, ILogger<DbContextBinder> logger)
{
    // Contexts that were given a unit of work's connection. A pooled context keeps it when it goes back to the pool
    // (pooling resets the context's state, not its connection), and that connection is closed, or disposed, once the
    // unit of work ends: the context gets its own back when it is next handed out.
    private static readonly ConditionalWeakTable<DbContext, object> Borrowed = [];

    private List<(DbContext Context, ConveyorDbContextOptions Options)>? _joined;
    private DbConnection? _prepared;

    /// <summary>The contexts joined to the unit of work, with their options.</summary>
    public IReadOnlyList<(DbContext Context, ConveyorDbContextOptions Options)> Joined => _joined ?? [];

    /// <summary>How many contexts this binder has seen created (joined or not): the start-up check's proof that the registration is Conveyor's.</summary>
    public int Created { get; private set; }

    /// <summary>Joins <paramref name="context"/>, just created, to the scope's unit of work if there is one; else leaves it plain EF Core.</summary>
    public TContext Join<TContext>(TContext context)
        where TContext : DbContext
    {
        Created++;
        if (unitOfWork.Current is not { } current)
        {
            if (Borrowed.Remove(context))
            {
                GiveBackOwnConnection(context);
            }

            return context;
        }

        if (current is not IDbUnitOfWork database)
        {
            throw new InvalidOperationException(
                $"{typeof(TContext).Name} cannot join the unit of work of the message being handled: it is a {current.GetType().Name}, not a database transaction. Add a database store (UseSqlite or UsePostgreSql) to AddConveyor.");
        }

        // The context was just created: it has no open connection and no transaction of its own to lose.
        PrepareConnection(context, database.Connection);
        context.Database.SetDbConnection(database.Connection, contextOwnsConnection: false);
        context.Database.UseTransaction(database.Transaction);
        Borrowed.AddOrUpdate(context, database);
        (_joined ??= []).Add((context, options.Get(EntityFrameworkCoreConveyorBuilderExtensions.OptionsName(typeof(TContext)))));
        Log.Joined(logger, typeof(TContext).Name, HandlerContext.Current?.Endpoint.EndpointId);
        return context;
    }

    /// <summary>Gives a context that had a unit of work's connection the connection, or connection string, it is configured with.</summary>
    private static void GiveBackOwnConnection(DbContext context)
    {
        var relational = RelationalOptionsExtension.Extract(context.GetService<IDbContextOptions>());
        context.Database.SetDbConnection(null);
        if (relational.Connection is { } own)
        {
            context.Database.SetDbConnection(own, relational.IsConnectionOwned);
        }
        else
        {
            context.Database.SetConnectionString(relational.ConnectionString);
        }
    }

    /// <summary>
    /// Lets the context's provider prepare the store's connection as it prepares one it creates or is configured with
    /// (EF Core's SQLite provider adds the functions its decimal and regex translations call, <c>ef_compare</c>,
    /// <c>regexp</c>, …): <c>SetDbConnection</c> alone does not. The provider does it when its connection service is
    /// built from options that carry the connection, so a context on those options is built and dropped, unopened.
    /// Once per connection: every context joined to one unit of work shares it.
    /// </summary>
    private void PrepareConnection(DbContext context, DbConnection connection)
    {
        if (_prepared == connection)
        {
            return;
        }

        var options = context.GetService<IDbContextOptions>();
        var relational = RelationalOptionsExtension.Extract(options);
        var extensions = options.Extensions.ToDictionary(
            e => e.GetType(),
            e => e == relational ? relational.WithConnectionString(null).WithConnection(connection, owned: false) : e);
        using (var preparer = new DbContext(new DbContextOptions<DbContext>(extensions)))
        {
            _ = preparer.GetService<IRelationalConnection>();
        }

        _prepared = connection;
    }
}
