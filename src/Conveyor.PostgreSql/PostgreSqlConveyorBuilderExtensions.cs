using Conveyor.Deduplication;
using Conveyor.Failures.DeadLetters;
using Conveyor.Hosting;
using Conveyor.PostgreSql;
using Conveyor.PostgreSql.DeadLetters;
using Conveyor.PostgreSql.Deduplication;
using Conveyor.PostgreSql.Scheduling;
using Conveyor.Scheduling;
using Conveyor.Storage;
using Conveyor.UnitOfWork;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Conveyor;

/// <summary>Registers the PostgreSQL stores.</summary>
public static class PostgreSqlConveyorBuilderExtensions
{
    /// <summary>
    /// Keeps Conveyor's state in a PostgreSQL database: every received message is handled in a
    /// <see cref="PostgreSqlUnitOfWork"/> (inject it, or <see cref="IDbUnitOfWork"/>, in a handler to write in the same
    /// transaction), deduplication keys and dead letters are tables, and delayed messages go to a durable scheduler
    /// that every instance shares. The schema is created on first use, or by <c>conveyor db migrate</c>.
    /// </summary>
    /// <param name="builder">The Conveyor builder.</param>
    /// <param name="connectionString">
    /// The Npgsql connection string, e.g. <c>Host=db;Database=app;Username=app;Password=…</c>; null to take it from
    /// <c>Conveyor:PostgreSql:ConnectionString</c>, which also overrides this one when set.
    /// </param>
    /// <param name="configure">Changes the other options (configuration overrides them too).</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ConveyorConfigurationException">UsePostgreSql, or another store package's Use method, was called before.</exception>
    public static ConveyorBuilder UsePostgreSql(this ConveyorBuilder builder, string? connectionString = null, Action<PostgreSqlOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        if (services.Any(d => d.ServiceType == typeof(PostgreSqlDatabase)))
        {
            throw new ConveyorConfigurationException("UsePostgreSql is called twice. Call it once, with one database for every store.");
        }

        if (services.Any(d => d.ServiceType == typeof(IUnitOfWorkFactory) && d.ImplementationType is { } type && type != typeof(InMemoryUnitOfWorkFactory)))
        {
            throw new ConveyorConfigurationException(
                "UsePostgreSql is called after another store package's Use method (e.g. UseSqlite): both would begin each message's unit of work. Keep one of them.");
        }

        // Code first, then configuration over it: a deployment changes the database without a rebuild.
        services.AddOptions<PostgreSqlOptions>()
            .Configure(o =>
            {
                if (connectionString is not null)
                {
                    o.ConnectionString = connectionString;
                }

                configure?.Invoke(o);
            })
            .BindSection(PostgreSqlOptions.SectionName)
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PostgreSqlOptions>, PostgreSqlOptionsValidator>());
        services.AddSingleton<PostgreSqlDatabase>();
        services.AddSingleton<ISchemaMigrator, PostgreSqlSchemaMigrator>();

        services.Replace(ServiceDescriptor.Singleton<IUnitOfWorkFactory, PostgreSqlUnitOfWorkFactory>());
        services.AddScoped<PostgreSqlUnitOfWorkSlot>();
        services.AddScoped(sp => sp.GetRequiredService<PostgreSqlUnitOfWorkSlot>().Current
            ?? throw new InvalidOperationException("There is a PostgreSqlUnitOfWork only while a received message is handled: inject it in a handler of an asynchronous endpoint."));
        services.AddScoped<IDbUnitOfWork>(sp => sp.GetRequiredService<PostgreSqlUnitOfWork>());

        services.Replace(ServiceDescriptor.Singleton<IDeduplicationStore>(sp => new PostgreSqlDeduplicationStore(
            sp.GetRequiredService<PostgreSqlDatabase>(),
            sp.GetRequiredService<IOptions<ConveyorOptions>>().Value.DeduplicationRetention,
            sp.GetService<TimeProvider>() ?? TimeProvider.System,
            sp.GetRequiredService<IOptions<PostgreSqlOptions>>().Value.CleanupBatchSize)));
        services.Replace(ServiceDescriptor.Singleton<IDeadLetterStore>(sp => new PostgreSqlDeadLetterStore(sp.GetRequiredService<PostgreSqlDatabase>())));
        services.Replace(ServiceDescriptor.Singleton<IMessageScheduler>(sp => new PostgreSqlMessageScheduler(
            sp.GetRequiredService<PostgreSqlDatabase>(),
            sp.GetRequiredService<IOptions<PostgreSqlOptions>>().Value,
            sp.GetService<TimeProvider>() ?? TimeProvider.System,
            sp.GetRequiredService<ILogger<PostgreSqlMessageScheduler>>())));

        builder.AddOutgoingMiddleware<AmbientUnitOfWorkMiddleware<PostgreSqlUnitOfWork>>();
        services.AddHostedService(sp => new DeduplicationCleanupService(
            sp.GetRequiredService<IDeduplicationStore>(),
            sp.GetRequiredService<PostgreSqlDatabase>().Name,
            sp.GetRequiredService<IOptions<PostgreSqlOptions>>().Value.CleanupInterval,
            sp.GetService<TimeProvider>() ?? TimeProvider.System,
            sp.GetRequiredService<ILogger<DeduplicationCleanupService>>()));
        return builder;
    }
}
