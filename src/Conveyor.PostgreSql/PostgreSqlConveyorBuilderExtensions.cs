using Conveyor.Aggregates;
using Conveyor.Deduplication;
using Conveyor.EventSourcing;
using Conveyor.Failures.DeadLetters;
using Conveyor.Hosting;
using Conveyor.Outbox;
using Conveyor.PostgreSql;
using Conveyor.PostgreSql.Aggregates;
using Conveyor.PostgreSql.DeadLetters;
using Conveyor.PostgreSql.Deduplication;
using Conveyor.PostgreSql.Outbox;
using Conveyor.PostgreSql.EventSourcing;
using Conveyor.PostgreSql.Scheduling;
using Conveyor.Scheduling;
using Conveyor.Storage;
using Conveyor.UnitOfWork;
using Npgsql;
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
    /// transaction), deduplication keys, dead letters, aggregate states and event streams are tables (aggregates save
    /// in the message's transaction), and delayed messages go to a durable scheduler that every instance shares.
    /// Messages a handler sends go through a transactional outbox in the same transaction (<c>Conveyor:Outbox:Enabled</c>
    /// turns that off), relayed by every instance. The schema is created on first use, or by <c>conveyor db migrate</c>.
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
        new DatabaseStoreRegistration<PostgreSqlOptions, PostgreSqlDatabase, PostgreSqlUnitOfWork>
        {
            UseMethod = nameof(UsePostgreSql),
            OtherUseMethod = "UseSqlite",
            OneDatabase = "one database",
            SectionName = PostgreSqlOptions.SectionName,
            SetConnectionString = (o, value) => o.ConnectionString = value,
            ConnectionType = typeof(NpgsqlConnection),
            BeginUnitOfWork = (database, scope, cancellationToken) => database.BeginUnitOfWorkAsync(scope, cancellationToken),
            Describe = database => database.Name,
            DeduplicationStore = (database, retention, time, cleanupBatchSize) => new PostgreSqlDeduplicationStore(database, retention, time, cleanupBatchSize),
        }.Register<PostgreSqlOptionsValidator>(builder, connectionString, configure);
        services.AddSingleton<ISchemaMigrator, PostgreSqlSchemaMigrator>();
        services.Replace(ServiceDescriptor.Singleton<IDeadLetterStore>(sp => new PostgreSqlDeadLetterStore(sp.GetRequiredService<PostgreSqlDatabase>())));
        services.Replace(ServiceDescriptor.Singleton<IMessageScheduler>(sp => new PostgreSqlMessageScheduler(
            sp.GetRequiredService<PostgreSqlDatabase>(),
            sp.GetRequiredService<IOptions<PostgreSqlOptions>>().Value,
            sp.GetService<TimeProvider>() ?? TimeProvider.System,
            sp.GetRequiredService<ILogger<PostgreSqlMessageScheduler>>())));

        // Scoped: inside a handled message they write in its unit of work.
        services.AddScoped(sp => new PostgreSqlStoreTransaction(sp.GetRequiredService<PostgreSqlDatabase>(), sp.GetService<UnitOfWorkSlot<PostgreSqlUnitOfWork>>()));
        services.Replace(ServiceDescriptor.Scoped<IAggregateStateStore>(sp => new PostgreSqlAggregateStateStore(sp.GetRequiredService<PostgreSqlStoreTransaction>())));
        services.Replace(ServiceDescriptor.Scoped<IEventStore>(sp => new PostgreSqlEventStore(sp.GetRequiredService<PostgreSqlStoreTransaction>(), sp.GetService<TimeProvider>() ?? TimeProvider.System)));

        // The outbox is on by default: a handler's messages commit with its writes. Conveyor:Outbox:Enabled=false turns it off.
        services.AddSingleton<IOutboxStore>(sp => new PostgreSqlOutboxStore(sp.GetRequiredService<PostgreSqlDatabase>()));
        builder.UseOutbox();
        return builder;
    }
}
