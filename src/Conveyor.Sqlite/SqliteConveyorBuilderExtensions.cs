using Conveyor.Aggregates;
using Conveyor.Deduplication;
using Conveyor.EventSourcing;
using Conveyor.Failures.DeadLetters;
using Conveyor.Hosting;
using Conveyor.Outbox;
using Conveyor.Scheduling;
using Conveyor.Sqlite;
using Conveyor.Sqlite.Aggregates;
using Conveyor.Sqlite.EventSourcing;
using Conveyor.Sqlite.DeadLetters;
using Conveyor.Sqlite.Deduplication;
using Conveyor.Sqlite.Outbox;
using Conveyor.Sqlite.Scheduling;
using Conveyor.Storage;
using Conveyor.UnitOfWork;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Conveyor;

/// <summary>Registers the SQLite stores.</summary>
public static class SqliteConveyorBuilderExtensions
{
    /// <summary>
    /// Keeps Conveyor's state in a SQLite database file: every received message is handled in a
    /// <see cref="SqliteUnitOfWork"/> (inject it in a handler to write in the same transaction), deduplication keys and
    /// dead letters are tables, aggregates and event streams are stored in the message's transaction, delayed messages go
    /// to a durable scheduler, and the messages a handler sends go to the transactional outbox in its transaction
    /// (<c>Conveyor:Outbox:Enabled</c> turns that off). The schema is created on first use.
    /// </summary>
    /// <param name="builder">The Conveyor builder.</param>
    /// <param name="connectionString">
    /// The connection string, e.g. <c>Data Source=conveyor.db</c>; null to take it from
    /// <c>Conveyor:Sqlite:ConnectionString</c>, which also overrides this one when set.
    /// </param>
    /// <param name="configure">Changes the other options (configuration overrides them too).</param>
    /// <returns>The builder.</returns>
    /// <exception cref="ConveyorConfigurationException">UseSqlite was called before.</exception>
    public static ConveyorBuilder UseSqlite(this ConveyorBuilder builder, string? connectionString = null, Action<SqliteOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        if (services.Any(d => d.ServiceType == typeof(SqliteDatabase)))
        {
            throw new ConveyorConfigurationException("UseSqlite is called twice. Call it once, with one database file for every store.");
        }

        if (services.Any(d => d.ServiceType == typeof(IUnitOfWorkFactory) && d.ImplementationType is { } type && type != typeof(InMemoryUnitOfWorkFactory)))
        {
            throw new ConveyorConfigurationException(
                "UseSqlite is called after another store package's Use method (e.g. UsePostgreSql): both would begin each message's unit of work. Keep one of them.");
        }

        // Code first, then configuration over it: a deployment changes the file without a rebuild.
        services.AddOptions<SqliteOptions>()
            .Configure(o =>
            {
                if (connectionString is not null)
                {
                    o.ConnectionString = connectionString;
                }

                configure?.Invoke(o);
            })
            .BindSection(SqliteOptions.SectionName)
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<SqliteOptions>, SqliteOptionsValidator>());
        services.AddSingleton<SqliteDatabase>();
        services.AddSingleton<ISchemaMigrator, SqliteSchemaMigrator>();

        services.Replace(ServiceDescriptor.Singleton<IUnitOfWorkFactory, SqliteUnitOfWorkFactory>());
        services.AddScoped<SqliteUnitOfWorkSlot>();
        services.AddScoped(sp => sp.GetRequiredService<SqliteUnitOfWorkSlot>().Current
            ?? throw new InvalidOperationException("There is a SqliteUnitOfWork only while a received message is handled: inject it in a handler of an asynchronous endpoint."));
        services.AddScoped<IDbUnitOfWork>(sp => sp.GetRequiredService<SqliteUnitOfWork>());

        services.Replace(ServiceDescriptor.Singleton<IDeduplicationStore>(sp => new SqliteDeduplicationStore(
            sp.GetRequiredService<SqliteDatabase>(),
            sp.GetRequiredService<IOptions<ConveyorOptions>>().Value.DeduplicationRetention,
            sp.GetService<TimeProvider>() ?? TimeProvider.System,
            sp.GetRequiredService<IOptions<SqliteOptions>>().Value.CleanupBatchSize)));
        services.Replace(ServiceDescriptor.Singleton<IDeadLetterStore>(sp => new SqliteDeadLetterStore(sp.GetRequiredService<SqliteDatabase>())));
        services.Replace(ServiceDescriptor.Singleton<IMessageScheduler>(sp => new SqliteMessageScheduler(
            sp.GetRequiredService<SqliteDatabase>(),
            sp.GetRequiredService<IOptions<SqliteOptions>>().Value,
            sp.GetService<TimeProvider>() ?? TimeProvider.System,
            sp.GetRequiredService<ILogger<SqliteMessageScheduler>>())));

        // Scoped: inside a handled message they write in its unit of work.
        services.AddScoped(sp => new SqliteStoreTransaction(sp.GetRequiredService<SqliteDatabase>(), sp.GetService<SqliteUnitOfWorkSlot>()));
        services.Replace(ServiceDescriptor.Scoped<IAggregateStateStore>(sp => new SqliteAggregateStateStore(sp.GetRequiredService<SqliteStoreTransaction>())));
        services.Replace(ServiceDescriptor.Scoped<IEventStore>(sp => new SqliteEventStore(sp.GetRequiredService<SqliteStoreTransaction>(), sp.GetService<TimeProvider>() ?? TimeProvider.System)));

        builder.AddOutgoingMiddleware<AmbientUnitOfWorkMiddleware<SqliteUnitOfWork>>();
        services.AddHostedService(sp => new DeduplicationCleanupService(
            sp.GetRequiredService<IDeduplicationStore>(),
            $"SQLite {sp.GetRequiredService<SqliteDatabase>().FilePath}",
            sp.GetRequiredService<IOptions<SqliteOptions>>().Value.CleanupInterval,
            sp.GetService<TimeProvider>() ?? TimeProvider.System,
            sp.GetRequiredService<ILogger<DeduplicationCleanupService>>()));

        // The outbox is on by default: a handler's messages commit with its writes. Conveyor:Outbox:Enabled=false turns it off.
        services.AddSingleton<IOutboxStore>(sp => new SqliteOutboxStore(sp.GetRequiredService<SqliteDatabase>()));
        builder.UseOutbox();
        return builder;
    }
}
