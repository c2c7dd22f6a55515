using Conveyor.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Conveyor;

/// <summary>Joins EF Core DbContexts to Conveyor's unit of work.</summary>
public static class EntityFrameworkCoreConveyorBuilderExtensions
{
    /// <summary>
    /// While a received message is handled, the scope's <typeparamref name="TContext"/> uses the unit of work's
    /// connection and transaction, so that its <c>SaveChangesAsync</c> commits together with the deduplication claim
    /// and the messages the handler sent, or not at all; changes the handler left pending are saved before the commit
    /// (<see cref="ConveyorDbContextOptions.SaveChangesOnCommit"/>). Outside a handled message the context is plain EF
    /// Core. Register the context with <c>AddDbContext</c> as usual, before or after this call, and a database store
    /// (<c>UseSqlite</c>, <c>UsePostgreSql</c>) whose provider the context uses: start-up fails otherwise.
    /// </summary>
    /// <typeparam name="TContext">The DbContext.</typeparam>
    /// <param name="builder">The Conveyor builder.</param>
    /// <param name="configure">Changes the options for this context.</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ConveyorConfigurationException">UseEntityFrameworkCore was called before for <typeparamref name="TContext"/>.</exception>
    public static ConveyorBuilder UseEntityFrameworkCore<TContext>(this ConveyorBuilder builder, Action<ConveyorDbContextOptions>? configure = null)
        where TContext : DbContext
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        if (services.Any(d => d.ServiceType == typeof(DbContextValidator<TContext>)))
        {
            throw new ConveyorConfigurationException($"UseEntityFrameworkCore<{typeof(TContext).Name}>() is called twice. Call it once per DbContext type.");
        }

        services.AddOptions<ConveyorDbContextOptions>(OptionsName(typeof(TContext)))
            .Configure(o => configure?.Invoke(o))
            .ValidateOnStart();
        services.AddSingleton<DbContextValidator<TContext>>();
        services.AddSingleton<IValidateOptions<ConveyorDbContextOptions>>(sp => sp.GetRequiredService<DbContextValidator<TContext>>());

        // The context's own registration, wrapped: each instance joins the unit of work as it is created. AddDbContext
        // only adds the context when it is not registered yet, so it may come before or after this call.
        var existing = services.LastOrDefault(d => d.ServiceType == typeof(TContext) && !d.IsKeyedService);
        services.RemoveAll<TContext>();
        services.Add(new ServiceDescriptor(
            typeof(TContext),
            sp => sp.GetRequiredService<DbContextBinder>().Join(Create<TContext>(sp, existing)),
            existing?.Lifetime ?? ServiceLifetime.Scoped));

        if (!services.Any(d => d.ServiceType == typeof(DbContextBinder)))
        {
            services.AddScoped<DbContextBinder>();
            builder.AddInterceptor<SaveChangesInterceptor>(
                Pointcut.Where(e => e.IsAsynchronous, "received messages (EF Core SaveChanges before commit)"), order: int.MinValue);
        }

        return builder;
    }

    internal static string OptionsName(Type contextType) => contextType.FullName ?? contextType.Name;

    private static TContext Create<TContext>(IServiceProvider services, ServiceDescriptor? registration)
        where TContext : DbContext =>
        registration switch
        {
            { ImplementationFactory: { } factory } => (TContext)factory(services),
            { ImplementationInstance: TContext instance } => instance,
            { ImplementationType: { } type } => (TContext)ActivatorUtilities.CreateInstance(services, type),
            _ => ActivatorUtilities.CreateInstance<TContext>(services),
        };
}
