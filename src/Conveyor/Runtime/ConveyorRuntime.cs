using System.Collections.Concurrent;
using System.Collections.Frozen;
using System.Reflection;
using Conveyor.Aggregates;
using Conveyor.Channels;
using Conveyor.Deduplication;
using Conveyor.Failures;
using Conveyor.Handlers;
using Conveyor.Serialization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Conveyor.Runtime;

/// <summary>
/// The compiled messaging system: endpoints, routing tables and channels. Built once when the host starts;
/// an invalid configuration fails here, listing every problem and how to fix it.
/// </summary>
internal sealed class ConveyorRuntime : IDisposable
{
    private readonly ConcurrentDictionary<Type, RuntimeEndpoint[]> _eventsByType = new();
    private readonly ConcurrentDictionary<string, RuntimeEndpoint[]> _eventsByName = new(StringComparer.Ordinal);
    private readonly RuntimeEndpoint[] _eventEndpoints;
    private readonly FrozenDictionary<string, string[]> _composedBy;

    public ConveyorRuntime(ConveyorSetup setup, IServiceProvider services, IOptions<ConveyorOptions> options)
    {
        Options = options.Value;
        Serializer = setup.Serializer;
        Time = services.GetService<TimeProvider>() ?? TimeProvider.System;
        var errors = new List<string>();
        var descriptors = setup.HandlerTypes.SelectMany(t => HandlerScanner.Describe(t, errors)).ToList();
        var registrations = Registrations(setup.Services);

        var channels = new Dictionary<string, IMessageChannel>(StringComparer.Ordinal);
        var channelKinds = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var registration in setup.Channels.Values)
        {
            channels[registration.Name] = registration.Factory(services);
            channelKinds[registration.Name] = registration.Kind;
        }

        // Composite channels find their sub-channels once every registered channel exists.
        foreach (var dynamic in channels.Values.OfType<Channels.Dynamic.DynamicChannel>())
        {
            dynamic.Bind(channels, services, errors);
        }

        foreach (var descriptor in descriptors.Where(d => d.Info.Kind == EndpointKind.Consumer))
        {
            var source = setup.ConsumerSources.FirstOrDefault(s => s.AttributeType == descriptor.HandlerAttribute.GetType());
            if (source is null)
            {
                errors.Add($"{descriptor.Info.EndpointId}: [{descriptor.HandlerAttribute.GetType().Name.Replace("Attribute", "", StringComparison.Ordinal)}] needs its transport configured (e.g. UseKafka(...) in AddConveyor).");
            }
            else if (!channels.TryAdd(descriptor.Info.EndpointId, source.Factory(services, (ConsumerEndpointAttribute)descriptor.HandlerAttribute, descriptor.Info)))
            {
                errors.Add($"{descriptor.Info.EndpointId}: a channel with this name exists already; consumer endpoint ids and channel names must differ.");
            }
            else
            {
                channelKinds[descriptor.Info.EndpointId] = source.Kind;
            }
        }

        RuntimeValidation.Validate(descriptors, channels.Keys.ToHashSet(StringComparer.Ordinal), services, errors);
        RuntimeValidation.Batches(descriptors, channels, errors);
        Orchestration.OrchestrationValidation.Validate(descriptors, channels.Keys.ToHashSet(StringComparer.Ordinal), errors);
        foreach (var check in setup.StartupChecks)
        {
            check(channels.Keys.ToHashSet(StringComparer.Ordinal), errors);
        }

        var endpoints = new List<RuntimeEndpoint>();
        if (errors.Count == 0)
        {
            var aggregates = new AggregateEndpoints(Serializer, services.GetService<ILogger<AggregateEndpoints>>() ?? NullLogger<AggregateEndpoints>.Instance);
            foreach (var descriptor in descriptors)
            {
                endpoints.Add(Compile(descriptor, setup, channels, services, registrations, aggregates, errors));
            }
        }

        if (errors.Count > 0)
        {
            throw new ConveyorConfigurationException(
                "Conveyor's configuration is invalid:" + Environment.NewLine + string.Join(Environment.NewLine, errors.Select(e => "  - " + e)));
        }

        Channels = channels.ToFrozenDictionary(StringComparer.Ordinal);
        ConsumedChannels = setup.ConsumedChannels.ToFrozenSet(StringComparer.Ordinal);
        _composedBy = channels.Values.OfType<Channels.Dynamic.DynamicChannel>()
            .SelectMany(d => d.SendingChannelNames.Concat(d.ReceivingChannelNames).Distinct(StringComparer.Ordinal).Select(sub => (Sub: sub, Parent: d.Name)))
            .GroupBy(p => p.Sub, StringComparer.Ordinal)
            .ToFrozenDictionary(g => g.Key, g => g.Select(p => p.Parent).ToArray(), StringComparer.Ordinal);
        ChannelKinds = channelKinds.ToFrozenDictionary(StringComparer.Ordinal);
        Endpoints = endpoints.ToFrozenDictionary(e => e.Id, StringComparer.Ordinal);
        CommandsByType = endpoints.Where(e => e.Info.Kind == EndpointKind.Command && e.PayloadType is not null).ToFrozenDictionary(e => e.PayloadType!);
        CommandsByKey = endpoints.Where(e => e.Info.Kind == EndpointKind.Command && e.Info.Routing is not null).ToFrozenDictionary(e => e.Info.Routing!, StringComparer.Ordinal);
        QueriesByType = endpoints.Where(e => e.Info.Kind == EndpointKind.Query && e.PayloadType is not null).ToFrozenDictionary(e => e.PayloadType!);
        QueriesByKey = endpoints.Where(e => e.Info.Kind == EndpointKind.Query && e.Info.Routing is not null).ToFrozenDictionary(e => e.Info.Routing!, StringComparer.Ordinal);
        InternalByChannel = endpoints.Where(e => e.Info.Kind == EndpointKind.Internal && !e.Info.IsAsynchronous).ToFrozenDictionary(e => e.Info.Channel!, StringComparer.Ordinal);
        _eventEndpoints = [.. endpoints.Where(e => e.Info.Kind == EndpointKind.Event)];
        WarnAboutUnusedChannels(setup, descriptors, services.GetService<ILogger<ConveyorRuntime>>() ?? NullLogger<ConveyorRuntime>.Instance);
    }

    public ConveyorOptions Options { get; }

    public MessageSerializer Serializer { get; }

    /// <summary>The application's clock: due times, message ids and timestamps.</summary>
    public TimeProvider Time { get; }

    public FrozenDictionary<string, RuntimeEndpoint> Endpoints { get; }

    public FrozenDictionary<string, IMessageChannel> Channels { get; }

    /// <summary>Releases what channels hold open (e.g. a Kafka channel's pull consumer) when the container is disposed.</summary>
    public void Dispose()
    {
        foreach (var channel in Channels.Values.OfType<IDisposable>())
        {
            channel.Dispose();
        }
    }

    public FrozenDictionary<string, string> ChannelKinds { get; }

    /// <summary>Channels the host consumes though no endpoint names them (a distributed bus's own channel).</summary>
    public FrozenSet<string> ConsumedChannels { get; }

    public FrozenDictionary<Type, RuntimeEndpoint> CommandsByType { get; }

    public FrozenDictionary<string, RuntimeEndpoint> CommandsByKey { get; }

    public FrozenDictionary<Type, RuntimeEndpoint> QueriesByType { get; }

    public FrozenDictionary<string, RuntimeEndpoint> QueriesByKey { get; }

    public FrozenDictionary<string, RuntimeEndpoint> InternalByChannel { get; }

    /// <summary>Event handlers for a payload type: by its type, base types and interfaces, and by its message name.</summary>
    public RuntimeEndpoint[] EventsFor(Type eventType) =>
        _eventsByType.GetOrAdd(eventType, static (t, endpoints) =>
        {
            var name = MessageNames.Of(t);
            return [.. endpoints.Where(e =>
                (e.PayloadType is not null && e.PayloadType != typeof(object) && e.PayloadType.IsAssignableFrom(t) && e.Info.Routing is null)
                || (e.Info.Routing is not null && RoutingPattern.Matches(e.Info.Routing, name)))];
        }, _eventEndpoints);

    /// <summary>Event handlers for a routing key or message name.</summary>
    public RuntimeEndpoint[] EventsFor(string routingKey) =>
        _eventsByName.GetOrAdd(routingKey, static (key, endpoints) =>
            [.. endpoints.Where(e =>
                (e.Info.Routing is not null && RoutingPattern.Matches(e.Info.Routing, key))
                || (e.Info.Routing is null && e.PayloadType is not null && MessageNames.Of(e.PayloadType) == key))], _eventEndpoints);

    /// <summary>
    /// Resolves every singleton handler class, so that one that cannot be constructed fails at start-up, and checks the
    /// fixed routing slips of orchestrators (their steps must exist). Call it once
    /// the runtime is built (the hosted service does), never from its constructor: handlers may depend on the buses.
    /// </summary>
    public void ResolveSingletonHandlers()
    {
        foreach (var endpoint in Endpoints.Values)
        {
            endpoint.ResolveSingleton();
        }

        Orchestration.OrchestrationValidation.CheckFixedSlips(this);
    }

    /// <summary>Endpoints whose chain forwards messages received on <paramref name="channel"/> to a next channel.</summary>
    public IEnumerable<RuntimeEndpoint> EndpointsForwardingFrom(string channel) =>
        Endpoints.Values.Where(e => e.Info.IsAsynchronous && e.Info.NextChannelAfter(channel) is not null);

    /// <summary>
    /// Endpoints a message received on <paramref name="channel"/> may be for: those on the channel and those on every
    /// dynamic channel it is a sub-channel of.
    /// </summary>
    public IEnumerable<RuntimeEndpoint> EndpointsReceiving(string channel) =>
        _composedBy.TryGetValue(channel, out var parents) ? EndpointsOn(channel).Concat(parents.SelectMany(EndpointsOn)) : EndpointsOn(channel);

    /// <summary>Whether the endpoints consuming <paramref name="channel"/> take batches (checked at start-up: then all do).</summary>
    public bool IsBatchChannel(string channel) => EndpointsOn(channel).Any(e => e.Info.IsBatch);

    /// <summary>Endpoints that consume <paramref name="channel"/>.</summary>
    public IEnumerable<RuntimeEndpoint> EndpointsOn(string channel) =>
        Endpoints.Values.Where(e => e.Info.IsAsynchronous && e.Info.Channel == channel);

    private RuntimeEndpoint Compile(HandlerDescriptor descriptor, ConveyorSetup setup, Dictionary<string, IMessageChannel> channels, IServiceProvider services, Dictionary<Type, ServiceDescriptor> registrations, AggregateEndpoints aggregates, List<string> errors)
    {
        var info = descriptor.Info;
        info.IsAsynchronous = info.Kind == EndpointKind.Consumer || (info.Channel is not null && setup.Channels.ContainsKey(info.Channel));
        var invokers = services.GetService<IHandlerInvokerFactory>() ?? new ExpressionHandlerInvokerFactory();
        var invoker = invokers.Create(descriptor.Method, descriptor.Bindings);
        var interceptors = setup.Interceptors.Where(i => i.Pointcut.Matches(info)).Select(i => i.InterceptorType).ToList();

        var dependencies = descriptor.Bindings.OfType<ParameterBinding.Service>().Where(b => b.Key is null).Select(b => b.Parameter.ParameterType)
            .Concat(interceptors).Append(info.HandlerType);
        var aggregate = aggregates.Build(descriptor, errors);

        // An aggregate loads from stores that may join the message's unit of work: they are resolved from its scope. An
        // orchestrator's steps run in its invocation's scope: it has one whatever the orchestrator itself needs.
        var isSingleton = !info.Method.IsStatic && LifetimeOf(info.HandlerType, registrations) == ServiceLifetime.Singleton;
        var unscoped = info.Method.IsStatic || isSingleton || aggregate is not null ? null : UnscopedFactory(info.HandlerType, registrations);
        var needsScope = aggregate is not null
            || descriptor.HandlerAttribute is OrchestratorAttribute
            || descriptor.Bindings.OfType<ParameterBinding.Service>().Any(b => b.Key is not null)
            || dependencies.Any(t => !((info.Method.IsStatic || unscoped is not null) && t == info.HandlerType) && !IsSingleton(t, registrations));

        var channelStrategy = info.Channel is null ? null
            : (channels.GetValueOrDefault(info.Channel) as IReceivingChannel)?.FinalFailureStrategy
                ?? setup.Channels.GetValueOrDefault(info.Channel)?.FinalFailureStrategy;
        var failure = new FailurePolicy(
            descriptor.InstantRetry?.RetryTimes ?? 0,
            descriptor.InstantRetry?.ExceptionTypes ?? [],
            descriptor.DelayedRetry is { } delayed ? DelayedRetryPolicy.From(delayed) : null,
            descriptor.ErrorChannel ?? Options.DefaultErrorChannel,
            Options.DeadLetterEnabled,
            descriptor.FinalFailure ?? channelStrategy ?? Options.FinalFailureStrategy);

        DeduplicationKey? deduplication = null;
        if (descriptor.Deduplication is { Enabled: true } attribute)
        {
            if (info.Kind == EndpointKind.Consumer && string.IsNullOrWhiteSpace(attribute.Expression))
            {
                // A foreign producer's own "id" header is not Conveyor's message id: it may repeat across different records.
                errors.Add($"{info.EndpointId}: [Deduplicated] on a consumer of a foreign topic must name its key, e.g. [Deduplicated(\"header.eventId\")] or [Deduplicated(\"payload.OrderId\")]: records from other producers carry no Conveyor message id.");
            }
            else
            {
                deduplication = DeduplicationKey.Parse(attribute.Expression, info, errors);
            }
        }
        else if (descriptor.Deduplication is null && Options.DeduplicateAsynchronousEndpoints && descriptor.Batch is null
            && ((info.IsAsynchronous && info.Kind != EndpointKind.Consumer) || info.Method.IsDefined(typeof(DistributedAttribute))))
        {
            deduplication = DeduplicationKey.ByMessageId;
        }

        var delay = Delay(descriptor, info, channels, errors);

        var direct = invokers.CreateDirect(descriptor.Method, descriptor.Bindings);
        return new RuntimeEndpoint(descriptor, invoker, direct, services, isSingleton, unscoped, needsScope, interceptors, failure, deduplication, delay, aggregate);
    }

    private static TimeSpan? Delay(HandlerDescriptor descriptor, EndpointInfo info, Dictionary<string, IMessageChannel> channels, List<string> errors)
    {
        if (descriptor.Method.GetCustomAttribute<DelayedAttribute>() is not { } delayed)
        {
            return null;
        }

        if (delayed.Delay < TimeSpan.Zero)
        {
            errors.Add($"{info.EndpointId}: [Delayed] needs a delay of zero or more, in milliseconds or as a TimeSpan such as \"00:10:00\".");
        }
        else if (!info.IsAsynchronous || info.Kind == EndpointKind.Consumer || info.Channel is null || !channels.ContainsKey(info.Channel))
        {
            errors.Add($"{info.EndpointId}: [Delayed] works on asynchronous command and event handlers only. Add [Asynchronous(\"<channel>\")], or remove [Delayed].");
        }

        return delayed.Delay;
    }

    /// <summary>
    /// A registered channel nothing uses is most often a typo on one side that start-up cannot call an error: warn about
    /// each. Only channels that can be consumed are checked: a send-only channel (a named publisher) is used through
    /// DI, which start-up cannot see, and so is any channel whose name is also the key of a keyed service.
    /// </summary>
    private void WarnAboutUnusedChannels(ConveyorSetup setup, List<HandlerDescriptor> descriptors, ILogger logger)
    {
        var used = new HashSet<string>(StringComparer.Ordinal);
        used.UnionWith(Endpoints.Values.Where(e => e.Info.IsAsynchronous && e.Info.Channel is not null).Select(e => e.Info.Channel!));
        used.UnionWith(Endpoints.Values.SelectMany(e => e.Info.Via));
        used.UnionWith(_composedBy.Keys);
        used.UnionWith(descriptors.Select(d => d.OutputChannel).OfType<string>());
        used.UnionWith(descriptors.Select(d => d.ErrorChannel).OfType<string>());
        used.UnionWith(setup.ConsumedChannels);
        used.UnionWith(setup.SentChannels);
        if (Options.DefaultErrorChannel is { } defaultErrorChannel)
        {
            used.Add(defaultErrorChannel);
        }

        foreach (var name in setup.Channels.Keys.Order(StringComparer.Ordinal))
        {
            if (used.Contains(name)
                || Channels.GetValueOrDefault(name) is not IReceivingChannel { Capabilities.CanReceive: true }
                || setup.Services.Any(d => d.IsKeyedService && Equals(d.ServiceKey, name)))
            {
                continue;
            }

            Diagnostics.Log.UnusedChannel(logger, name, ChannelKinds.GetValueOrDefault(name, "channel"));
        }
    }

    private static bool IsConveyorService(Type type) =>
        type == typeof(ICommandBus) || type == typeof(IEventBus) || type == typeof(IQueryBus) || type == typeof(TimeProvider);

    /// <summary>Each service type's registration that resolving it uses (the last one).</summary>
    private static Dictionary<Type, ServiceDescriptor> Registrations(IServiceCollection services)
    {
        var registrations = new Dictionary<Type, ServiceDescriptor>();
        foreach (var descriptor in services.Where(d => !d.IsKeyedService))
        {
            registrations[descriptor.ServiceType] = descriptor;
        }

        return registrations;
    }

    /// <summary>A type's lifetime, a closed generic's from its open registration (<c>ILogger&lt;T&gt;</c>); Scoped when unknown.</summary>
    private static ServiceLifetime LifetimeOf(Type type, Dictionary<Type, ServiceDescriptor> registrations) =>
        registrations.TryGetValue(type, out var registration) ? registration.Lifetime
            : type.IsConstructedGenericType && registrations.TryGetValue(type.GetGenericTypeDefinition(), out var open) ? open.Lifetime
            : ServiceLifetime.Scoped;

    private static bool IsSingleton(Type type, Dictionary<Type, ServiceDescriptor> registrations) =>
        IsConveyorService(type) || LifetimeOf(type, registrations) == ServiceLifetime.Singleton;

    /// <summary>
    /// A scoped or transient handler class that a scope would give nothing: registered as itself, not disposable (a scope
    /// would dispose it), with one public constructor that takes only singletons. It is made anew for every message from
    /// the root services — what its scope would make — so that the message needs no DI scope. Null for any other.
    /// </summary>
    private static ObjectFactory? UnscopedFactory(Type handlerType, Dictionary<Type, ServiceDescriptor> registrations)
    {
        if (!registrations.TryGetValue(handlerType, out var registration)
            || registration.ImplementationType != handlerType
            || typeof(IDisposable).IsAssignableFrom(handlerType)
            || typeof(IAsyncDisposable).IsAssignableFrom(handlerType)
            || handlerType.GetConstructors() is not [var constructor]
            || !constructor.GetParameters().All(p => p.GetCustomAttributesData().Count == 0 && !p.ParameterType.IsByRef && IsSingleton(p.ParameterType, registrations)))
        {
            return null;
        }

        return ActivatorUtilities.CreateFactory(handlerType, Type.EmptyTypes);
    }
}
