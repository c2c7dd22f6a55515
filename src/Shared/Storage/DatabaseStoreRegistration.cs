using Conveyor.Deduplication;
using Conveyor.Hosting;
using Conveyor.UnitOfWork;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Conveyor.Storage;

/// <summary>
/// What every store package's Use method registers the same way (compiled by each store package, like
/// <see cref="LeasedMessageScheduler"/>): the guard against a second store package, the options (code first,
/// configuration over it, validated at start-up), the database, the unit of work each received message is handled in
/// (injectable as itself and as <see cref="IDbUnitOfWork"/>, and ambient on the outgoing path), and the deduplication
/// store with its clean-up. The package registers what is its own (the schema migrator, the other stores) after it.
/// </summary>
/// <typeparam name="TOptions">The package's options.</typeparam>
/// <typeparam name="TDatabase">The package's database, a singleton.</typeparam>
/// <typeparam name="TUnitOfWork">The package's unit of work.</typeparam>
internal sealed class DatabaseStoreRegistration<TOptions, TDatabase, TUnitOfWork>
    where TOptions : DatabaseStoreOptions
    where TDatabase : class
    where TUnitOfWork : class, IDbUnitOfWork, IStoreUnitOfWork
{
    /// <summary>The package's Use method, e.g. <c>UseSqlite</c>.</summary>
    public required string UseMethod { get; init; }

    /// <summary>Another store package's Use method, named as an example in the error when both are called.</summary>
    public required string OtherUseMethod { get; init; }

    /// <summary>What every store shares, as the error for a second call names it, e.g. <c>one database file</c>.</summary>
    public required string OneDatabase { get; init; }

    /// <summary>The configuration section the options bind from.</summary>
    public required string SectionName { get; init; }

    /// <summary>Sets the options' connection string.</summary>
    public required Action<TOptions, string> SetConnectionString { get; init; }

    /// <summary>The type of the unit of work's connection.</summary>
    public required Type ConnectionType { get; init; }

    /// <summary>Begins a unit of work on the database.</summary>
    public required Func<TDatabase, IServiceProvider, CancellationToken, ValueTask<TUnitOfWork>> BeginUnitOfWork { get; init; }

    /// <summary>The database as the clean-up's log names it.</summary>
    public required Func<TDatabase, string> Describe { get; init; }

    /// <summary>The deduplication store on the database, given the retention, the clock and the clean-up batch size.</summary>
    public required Func<TDatabase, TimeSpan, TimeProvider, int, IDeduplicationStore> DeduplicationStore { get; init; }

    /// <summary>Registers the shared part of the package's stores.</summary>
    /// <typeparam name="TValidator">The package's options validator.</typeparam>
    /// <param name="builder">The Conveyor builder.</param>
    /// <param name="connectionString">The connection string the Use method was given, if any.</param>
    /// <param name="configure">The other options the Use method was given, if any.</param>
    /// <exception cref="ConveyorConfigurationException">The package, or another store package, was registered before.</exception>
    public void Register<TValidator>(ConveyorBuilder builder, string? connectionString, Action<TOptions>? configure)
        where TValidator : class, IValidateOptions<TOptions>
    {
        var services = builder.Services;
        if (services.Any(d => d.ServiceType == typeof(TDatabase)))
        {
            throw new ConveyorConfigurationException($"{UseMethod} is called twice. Call it once, with {OneDatabase} for every store.");
        }

        // Any unit of work factory but the default in-memory one is another package's (or the application's own).
        if (services.Any(d => d.ServiceType == typeof(IUnitOfWorkFactory) && d.ImplementationType != typeof(InMemoryUnitOfWorkFactory)))
        {
            throw new ConveyorConfigurationException(
                $"{UseMethod} is called after another store package's Use method (e.g. {OtherUseMethod}): both would begin each message's unit of work. Keep one of them.");
        }

        // Code first, then configuration over it: a deployment changes the database without a rebuild.
        var setConnectionString = SetConnectionString;
        services.AddOptions<TOptions>()
            .Configure(o =>
            {
                if (connectionString is not null)
                {
                    setConnectionString(o, connectionString);
                }

                configure?.Invoke(o);
            })
            .BindSection(SectionName)
            .ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TOptions>, TValidator>());
        services.AddSingleton<TDatabase>();

        var begin = BeginUnitOfWork;
        services.Replace(ServiceDescriptor.Singleton<IUnitOfWorkFactory>(sp => new StoreUnitOfWorkFactory<TUnitOfWork>(
            ConnectionType,
            (scope, cancellationToken) => begin(sp.GetRequiredService<TDatabase>(), scope, cancellationToken),
            sp)));
        services.AddScoped<UnitOfWorkSlot<TUnitOfWork>>();
        var name = typeof(TUnitOfWork).Name;
        services.AddScoped(sp => sp.GetRequiredService<UnitOfWorkSlot<TUnitOfWork>>().Current
            ?? throw new InvalidOperationException($"There is a {name} only while a received message is handled: inject it in a handler of an asynchronous endpoint."));
        services.AddScoped<IDbUnitOfWork>(sp => sp.GetRequiredService<TUnitOfWork>());
        builder.AddOutgoingMiddleware<AmbientUnitOfWorkMiddleware<TUnitOfWork>>();

        var deduplicationStore = DeduplicationStore;
        var describe = Describe;
        services.Replace(ServiceDescriptor.Singleton<IDeduplicationStore>(sp => deduplicationStore(
            sp.GetRequiredService<TDatabase>(),
            sp.GetRequiredService<IOptions<ConveyorOptions>>().Value.DeduplicationRetention,
            sp.GetService<TimeProvider>() ?? TimeProvider.System,
            sp.GetRequiredService<IOptions<TOptions>>().Value.CleanupBatchSize)));
        services.AddHostedService(sp => new DeduplicationCleanupService(
            sp.GetRequiredService<IDeduplicationStore>(),
            describe(sp.GetRequiredService<TDatabase>()),
            sp.GetRequiredService<IOptions<TOptions>>().Value.CleanupInterval,
            sp.GetService<TimeProvider>() ?? TimeProvider.System,
            sp.GetRequiredService<ILogger<DeduplicationCleanupService>>()));
    }
}
