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
using Microsoft.Data.Sqlite;
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
    /// <exception cref="ConveyorConfigurationException">UseSqlite, or another store package's Use method, was called before.</exception>
    public static ConveyorBuilder UseSqlite(this ConveyorBuilder builder, string? connectionString = null, Action<SqliteOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        new DatabaseStoreRegistration<SqliteOptions, SqliteDatabase, SqliteUnitOfWork>
        {
            UseMethod = nameof(UseSqlite),
            OtherUseMethod = "UsePostgreSql",
            OneDatabase = "one database file",
            SectionName = SqliteOptions.SectionName,
            SetConnectionString = (o, value) => o.ConnectionString = value,
            ConnectionType = typeof(SqliteConnection),
            BeginUnitOfWork = (database, scope, cancellationToken) => database.BeginUnitOfWorkAsync(scope, cancellationToken),
            Describe = database => $"SQLite {database.FilePath}",
            DeduplicationStore = (database, retention, time, cleanupBatchSize) => new SqliteDeduplicationStore(database, retention, time, cleanupBatchSize),
        }.Register<SqliteOptionsValidator>(builder, connectionString, configure);
        services.AddSingleton<ISchemaMigrator, SqliteSchemaMigrator>();
        services.Replace(ServiceDescriptor.Singleton<IDeadLetterStore>(sp => new SqliteDeadLetterStore(sp.GetRequiredService<SqliteDatabase>())));
        services.Replace(ServiceDescriptor.Singleton<IMessageScheduler>(sp => new SqliteMessageScheduler(
            sp.GetRequiredService<SqliteDatabase>(),
            sp.GetRequiredService<IOptions<SqliteOptions>>().Value,
            sp.GetService<TimeProvider>() ?? TimeProvider.System,
            sp.GetRequiredService<ILogger<SqliteMessageScheduler>>())));

        // Scoped: inside a handled message they write in its unit of work.
        services.AddScoped(sp => new SqliteStoreTransaction(sp.GetRequiredService<SqliteDatabase>(), sp.GetService<UnitOfWorkSlot<SqliteUnitOfWork>>()));
        services.Replace(ServiceDescriptor.Scoped<IAggregateStateStore>(sp => new SqliteAggregateStateStore(sp.GetRequiredService<SqliteStoreTransaction>())));
        services.Replace(ServiceDescriptor.Scoped<IEventStore>(sp => new SqliteEventStore(sp.GetRequiredService<SqliteStoreTransaction>(), sp.GetService<TimeProvider>() ?? TimeProvider.System)));

        // The outbox is on by default: a handler's messages commit with its writes. Conveyor:Outbox:Enabled=false turns it off.
        services.AddSingleton<IOutboxStore>(sp => new SqliteOutboxStore(sp.GetRequiredService<SqliteDatabase>()));
        builder.UseOutbox();
        return builder;
    }
}
