using Conveyor.Buses;
using Conveyor.Channels;
using Conveyor.Consumers;
using Conveyor.Deduplication;
using Conveyor.Diagnostics.Telemetry;
using Conveyor.Failures;
using Conveyor.Failures.DeadLetters;
using Conveyor.Hosting;
using Conveyor.Inbound;
using Conveyor.Outgoing;
using Conveyor.Scheduling;
using Conveyor.Serialization;
using Conveyor.UnitOfWork;
using Conveyor.Runtime;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Conveyor in a service collection.</summary>
public static class ConveyorServiceCollectionExtensions
{
    /// <summary>
    /// Adds Conveyor: the buses, the handlers found by <paramref name="configure"/>, channels, failure handling and a
    /// hosted service that validates the configuration at start-up and runs the consumers. Options bind from the
    /// <c>Conveyor</c> configuration section when an <see cref="Microsoft.Extensions.Configuration.IConfiguration"/> is registered.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Configures Conveyor.</param>
    /// <returns>The service collection.</returns>
    public static IServiceCollection AddConveyor(this IServiceCollection services, Action<Conveyor.ConveyorBuilder> configure)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configure);
        if (services.Any(d => d.ServiceType == typeof(ConveyorSetup)))
        {
            throw new Conveyor.ConveyorConfigurationException("AddConveyor is called twice. Configure everything in one AddConveyor(c => ...) call.");
        }

        var builder = new Conveyor.ConveyorBuilder(services);
        services.AddOptions<Conveyor.ConveyorOptions>().BindSection(Conveyor.ConveyorOptions.SectionName).ValidateOnStart();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<Conveyor.ConveyorOptions>, ConveyorOptionsValidator>());
        configure(builder);

        var handlerTypes = builder.HandlerTypes();
        // Aggregates are loaded by their identifier, never resolved from DI.
        foreach (var type in handlerTypes.Where(t => !t.IsAbstract && !Conveyor.Aggregates.AggregateModel.IsAggregate(t)))
        {
            services.TryAdd(new ServiceDescriptor(type, type, builder.HandlerLifetime));
        }

        services.AddSingleton(new ConveyorSetup(builder, handlerTypes));
        services.TryAddSingleton<ConveyorInvocation>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddLogging();
        services.TryAddSingleton<IDeadLetterStore, InMemoryDeadLetterStore>();
        services.TryAddSingleton<IDeduplicationStore>(sp =>
        {
            var options = sp.GetRequiredService<IOptions<Conveyor.ConveyorOptions>>().Value;
            return new InMemoryDeduplicationStore(options.DeduplicationRetention, sp.GetRequiredService<TimeProvider>(), options.InMemoryDeduplicationCapacity);
        });
        services.TryAddSingleton<Conveyor.Handlers.IHandlerInvokerFactory, Conveyor.Handlers.ExpressionHandlerInvokerFactory>();
        services.TryAddSingleton<IUnitOfWorkFactory, InMemoryUnitOfWorkFactory>();
        services.TryAddScoped<UnitOfWorkAccessor>();
        services.TryAddScoped<IUnitOfWorkScope, UnitOfWorkScope>();
        services.TryAddSingleton<IMessageScheduler, InMemoryMessageScheduler>();
        services.TryAddSingleton<Conveyor.Aggregates.IAggregateStateStore, Conveyor.Aggregates.InMemoryAggregateStateStore>();
        services.TryAddSingleton<Conveyor.EventSourcing.IEventStore>(sp => new Conveyor.EventSourcing.InMemoryEventStore(sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<ConveyorRuntime>();
        services.AddSingleton(sp => sp.GetRequiredService<ConveyorSetup>().Serializer);
        services.AddSingleton<IChannelRegistry, ChannelRegistry>();
        services.TryAddSingleton<IChannelRouting, Conveyor.Inbound.ChannelRouting>();
        services.TryAddSingleton<Conveyor.IChannelLagReader, ChannelLagReader>();
        services.TryAddSingleton<ConsumerLagGauge>();
        services.TryAddSingleton(sp => new ConveyorMetrics(sp.GetService<System.Diagnostics.Metrics.IMeterFactory>(), sp.GetRequiredService<ConsumerLagGauge>(), sp.GetRequiredService<ChannelTelemetry.Cache>()));
        services.TryAddSingleton<ChannelTelemetry.Cache>();
        services.TryAddSingleton<OutgoingTelemetry>();
        services.TryAddSingleton<InboundTelemetry>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IInboundFailureObserver, InboundTelemetry>(sp => sp.GetRequiredService<InboundTelemetry>()));
        services.AddSingleton<MessageSender>();
        services.AddSingleton<IMessageSender>(sp => sp.GetRequiredService<MessageSender>());
        services.AddSingleton<MessageDispatcher>();
        services.AddSingleton<MessageBus>();
        services.AddSingleton<Conveyor.Orchestration.RoutingSlipRunner>();
        services.AddSingleton<Conveyor.IOrchestrator, Conveyor.Orchestration.Orchestrator>();
        services.AddSingleton<Conveyor.ICommandBus>(sp => sp.GetRequiredService<MessageBus>());
        services.AddSingleton<Conveyor.IEventBus>(sp => sp.GetRequiredService<MessageBus>());
        services.AddSingleton<Conveyor.IQueryBus>(sp => sp.GetRequiredService<MessageBus>());
        services.AddSingleton<FailureHandler>();
        services.AddSingleton<InboundRouter>();
        services.AddSingleton<InboundPipeline>();
        services.AddSingleton<ConsumerStatusRegistry>();
        services.AddSingleton<Conveyor.IConsumerStatusRegistry>(sp => sp.GetRequiredService<ConsumerStatusRegistry>());
        services.AddSingleton<Conveyor.IConsumerStatusReporter>(sp => sp.GetRequiredService<ConsumerStatusRegistry>());
        services.AddSingleton<ConsumerRunner>();
        services.AddSingleton<Conveyor.IConsumerRunner>(sp => sp.GetRequiredService<ConsumerRunner>());
        services.AddSingleton<IDeadLetters, DeadLetters>();
        services.AddSingleton<ScheduledDeliveries>();
        services.AddHostedService<ConveyorHostedService>();
        services.AddHostedService<SchedulerHostedService>();
        return services;
    }
}
