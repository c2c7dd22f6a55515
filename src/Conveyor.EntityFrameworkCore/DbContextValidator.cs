using Conveyor.UnitOfWork;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Microsoft.EntityFrameworkCore.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Conveyor.EntityFrameworkCore;

/// <summary>
/// Checks at start-up that <typeparamref name="TContext"/> can share the store's connection: a database store is
/// registered, the context is registered and created through Conveyor's registration, its provider is relational, does
/// not retry on its own and uses the store's kind of connection.
/// </summary>
internal sealed class DbContextValidator<TContext>(IServiceProvider services) : IValidateOptions<ConveyorDbContextOptions>
    where TContext : DbContext
{
    private static readonly string Name = typeof(TContext).Name;

    public ValidateOptionsResult Validate(string? name, ConveyorDbContextOptions options)
    {
        if (name != EntityFrameworkCoreConveyorBuilderExtensions.OptionsName(typeof(TContext)))
        {
            return ValidateOptionsResult.Skip;
        }

        var unitsOfWork = services.GetRequiredService<IUnitOfWorkFactory>();
        if (unitsOfWork is InMemoryUnitOfWorkFactory)
        {
            return ValidateOptionsResult.Fail(
                $"UseEntityFrameworkCore<{Name}>() needs a database store, so that SaveChanges commits in the transaction of the deduplication claim and the outbox: add UseSqlite(...) or UsePostgreSql(...) to AddConveyor, on the database {Name} uses.");
        }

        using var scope = services.CreateScope();
        if (scope.ServiceProvider.GetService<DbContextOptions<TContext>>() is null)
        {
            return ValidateOptionsResult.Fail(
                $"UseEntityFrameworkCore<{Name}>() is called but {Name} is not registered: add services.AddDbContext<{Name}>(options => options.UseSqlite(...)) (the provider of Conveyor's database store).");
        }

        var context = scope.ServiceProvider.GetRequiredService<TContext>();
        if (scope.ServiceProvider.GetRequiredService<DbContextBinder>().Created == 0)
        {
            return ValidateOptionsResult.Fail(
                $"{Name} is registered again after UseEntityFrameworkCore<{Name}>() wrapped its registration, so it would not join the unit of work: register it once, with AddDbContext<{Name}>(...).");
        }

        if (!context.Database.IsRelational())
        {
            return ValidateOptionsResult.Fail(
                $"{Name} uses the provider {context.Database.ProviderName}, which is not relational: it has no connection to share with the unit of work. Configure it with the provider of Conveyor's database store (UseSqlite for UseSqlite, UseNpgsql for UsePostgreSql).");
        }

        // EF Core refuses to retry inside a transaction it did not begin; Conveyor retries the whole message instead.
        if (context.Database.CreateExecutionStrategy().RetriesOnFailure)
        {
            return ValidateOptionsResult.Fail(
                $"{Name} is configured with a retrying execution strategy (e.g. EnableRetryOnFailure), which EF Core refuses inside the unit of work's transaction: remove it, and let Conveyor retry the message ([InstantRetry], [DelayedRetry]), which runs the handler again in a new transaction.");
        }

        if (unitsOfWork is IDbUnitOfWorkFactory database && ConnectionType(context) is { } connectionType && !connectionType.IsAssignableFrom(database.ConnectionType))
        {
            return ValidateOptionsResult.Fail(
                $"{Name} uses the provider {context.Database.ProviderName}, whose connections are {connectionType.Name}, but Conveyor's store holds a {database.ConnectionType.Name}: the context cannot write in the store's transaction. Configure {Name} with the provider of the store's database (UseSqlite for UseSqlite, UseNpgsql for UsePostgreSql), or the store on the context's database.");
        }

        return ValidateOptionsResult.Success;
    }

    /// <summary>The provider's connection type, when the context is configured with a connection or a connection string (creating a connection object opens nothing).</summary>
    private static Type? ConnectionType(TContext context)
    {
        var relational = RelationalOptionsExtension.Extract(context.GetService<IDbContextOptions>());
        return relational.Connection?.GetType()
            ?? (relational.ConnectionString is not null ? context.Database.GetDbConnection().GetType() : null);
    }
}
