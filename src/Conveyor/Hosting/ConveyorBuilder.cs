using System.Reflection;
using Conveyor.Channels;
using Conveyor.Channels.InMemory;
using Conveyor.Deduplication;
using Conveyor.Failures.DeadLetters;
using Conveyor.Interceptors;
using Conveyor.Serialization;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Conveyor;

/// <summary>
/// Configures Conveyor inside <c>services.AddConveyor(c => ...)</c>: which handlers to load, which channels exist,
/// interceptors, converters and stores. Transports (Kafka, databases) add their own extension methods to it.
/// </summary>
public sealed class ConveyorBuilder
{
    private readonly List<Assembly> _assemblies = [];
    private readonly List<Type> _handlerTypes = [];

    internal ConveyorBuilder(IServiceCollection services) => Services = services;

    /// <summary>The service collection, for transports that register their own services.</summary>
    public IServiceCollection Services { get; }

    internal Dictionary<string, Hosting.ChannelRegistration> Channels { get; } = new(StringComparer.Ordinal);

    internal List<Hosting.ConsumerEndpointSource> ConsumerSources { get; } = [];

    /// <summary>Channels the host consumes though no endpoint names them (a distributed bus's own channel).</summary>
    internal HashSet<string> ConsumedChannels { get; } = new(StringComparer.Ordinal);

    /// <summary>Channels something other than an endpoint sends to (a distributed bus's other services): not unused.</summary>
    internal HashSet<string> SentChannels { get; } = new(StringComparer.Ordinal);

    /// <summary>Checks run when the runtime is built, given the registered channel names; each adds its errors.</summary>
    internal List<Action<IReadOnlySet<string>, List<string>>> StartupChecks { get; } = [];

    internal List<InterceptorRegistration> Interceptors { get; } = [];

    internal List<IMessageConverter> Converters { get; } = [new JsonMessageConverter()];

    internal IMessageConverter DefaultConverter { get; private set; } = new JsonMessageConverter();

    internal ServiceLifetime HandlerLifetime { get; private set; } = ServiceLifetime.Scoped;

    /// <summary>Loads the handlers of the assembly that declares <typeparamref name="T"/>.</summary>
    /// <typeparam name="T">Any type of that assembly, usually <c>Program</c>.</typeparam>
    /// <returns>The builder.</returns>
    public ConveyorBuilder ScanAssemblyOf<T>() => ScanAssembly(typeof(T).Assembly);

    /// <summary>Loads every class in <paramref name="assembly"/> that has handler methods.</summary>
    /// <param name="assembly">The assembly.</param>
    /// <returns>The builder.</returns>
    public ConveyorBuilder ScanAssembly(Assembly assembly)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        if (!_assemblies.Contains(assembly))
        {
            _assemblies.Add(assembly);
        }

        return this;
    }

    /// <summary>Loads the handlers of <typeparamref name="THandler"/> only.</summary>
    /// <typeparam name="THandler">The handler class.</typeparam>
    /// <returns>The builder.</returns>
    public ConveyorBuilder AddHandler<THandler>() => AddHandlers(typeof(THandler));

    /// <summary>Loads the handlers of the given classes.</summary>
    /// <param name="handlerTypes">The handler classes.</param>
    /// <returns>The builder.</returns>
    public ConveyorBuilder AddHandlers(params Type[] handlerTypes)
    {
        foreach (var type in handlerTypes)
        {
            if (!_handlerTypes.Contains(type))
            {
                _handlerTypes.Add(type);
            }
        }

        return this;
    }

    /// <summary>Registers an ordered in-process channel: for development, tests and work that may be lost on restart.</summary>
    /// <param name="name">The channel name.</param>
    /// <param name="configure">Changes its options.</param>
    /// <returns>The builder.</returns>
    public ConveyorBuilder AddInMemoryChannel(string name, Action<InMemoryChannelOptions>? configure = null)
    {
        var options = new InMemoryChannelOptions();
        configure?.Invoke(options);
        if (options.ReleaseDelay < TimeSpan.Zero)
        {
            throw new ConveyorConfigurationException($"In-memory channel '{name}': ReleaseDelay {options.ReleaseDelay:c} is negative. Set how long a released message waits before it is delivered again, e.g. TimeSpan.FromSeconds(1).");
        }

        return AddChannel(name, sp => new InMemoryChannel(name, options, sp.GetService<TimeProvider>()), "in-memory", options.FinalFailureStrategy);
    }

    /// <summary>Registers a channel created by <paramref name="factory"/>; the hook transports use.</summary>
    /// <param name="name">The channel name.</param>
    /// <param name="factory">Creates the channel once, at start-up.</param>
    /// <param name="kind">What the channel is, as <c>conveyor list</c> shows it (e.g. <c>kafka</c>).</param>
    /// <param name="finalFailureStrategy">The channel's final failure strategy, or null for the global one.</param>
    /// <returns>The builder.</returns>
    public ConveyorBuilder AddChannel(string name, Func<IServiceProvider, IMessageChannel> factory, string kind, FinalFailureStrategy? finalFailureStrategy = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(factory);
        if (!Channels.TryAdd(name, new Hosting.ChannelRegistration(name, factory, kind, finalFailureStrategy)))
        {
            throw new ConveyorConfigurationException($"Channel '{name}' is registered twice. Give each channel a unique name.");
        }

        return this;
    }

    /// <summary>Tells Conveyor how to feed endpoints marked with <typeparamref name="TAttribute"/>; the hook transports use.</summary>
    /// <typeparam name="TAttribute">The consumer attribute, e.g. <c>KafkaConsumerAttribute</c>.</typeparam>
    /// <param name="factory">Creates the endpoint's inbound channel.</param>
    /// <param name="kind">What the source is, as <c>conveyor list</c> shows it.</param>
    /// <returns>The builder.</returns>
    public ConveyorBuilder AddConsumerEndpointSource<TAttribute>(Func<IServiceProvider, TAttribute, EndpointInfo, IReceivingChannel> factory, string kind)
        where TAttribute : ConsumerEndpointAttribute
    {
        ArgumentNullException.ThrowIfNull(factory);
        ConsumerSources.Add(new Hosting.ConsumerEndpointSource(typeof(TAttribute), (sp, a, e) => factory(sp, (TAttribute)a, e), kind));
        return this;
    }

    /// <summary>Adds an interceptor (<see cref="IBeforeInterceptor"/>, <see cref="IAroundInterceptor"/>, <see cref="IAfterInterceptor"/>).</summary>
    /// <typeparam name="TInterceptor">The interceptor class, resolved from DI per invocation.</typeparam>
    /// <param name="pointcut">The endpoints it applies to; all when null.</param>
    /// <param name="order">Lower runs first (outermost).</param>
    /// <returns>The builder.</returns>
    public ConveyorBuilder AddInterceptor<TInterceptor>(Pointcut? pointcut = null, int order = 0) where TInterceptor : class
    {
        if (!typeof(IBeforeInterceptor).IsAssignableFrom(typeof(TInterceptor))
            && !typeof(IAroundInterceptor).IsAssignableFrom(typeof(TInterceptor))
            && !typeof(IAfterInterceptor).IsAssignableFrom(typeof(TInterceptor)))
        {
            throw new ConveyorConfigurationException(
                $"{typeof(TInterceptor).Name} is added as an interceptor but implements none of IBeforeInterceptor, IAroundInterceptor, IAfterInterceptor.");
        }

        Services.TryAddScoped<TInterceptor>();
        Interceptors.Add(new InterceptorRegistration(typeof(TInterceptor), pointcut ?? Pointcut.All, order));
        return this;
    }

    /// <summary>
    /// Adds a step to the outgoing path that every message leaving the application passes through (sends, publishes,
    /// named publishers, retries, resends, dead letters), in the order added: the first added runs first.
    /// </summary>
    /// <typeparam name="TMiddleware">The middleware, a singleton.</typeparam>
    /// <returns>The builder.</returns>
    public ConveyorBuilder AddOutgoingMiddleware<TMiddleware>() where TMiddleware : class, Outgoing.IOutgoingMiddleware
    {
        Services.AddSingleton<Outgoing.IOutgoingMiddleware, TMiddleware>();
        return this;
    }

    /// <summary>Adds a converter for another content type; with <paramref name="asDefault"/> it also writes outgoing payloads.</summary>
    /// <param name="converter">The converter.</param>
    /// <param name="asDefault">Use it for outgoing messages instead of JSON.</param>
    /// <returns>The builder.</returns>
    public ConveyorBuilder AddConverter(IMessageConverter converter, bool asDefault = false)
    {
        ArgumentNullException.ThrowIfNull(converter);
        Converters.Insert(0, converter);
        if (asDefault)
        {
            DefaultConverter = converter;
        }

        return this;
    }

    /// <summary>The DI lifetime handler classes get when they are not registered already. Default <see cref="ServiceLifetime.Scoped"/>.</summary>
    /// <param name="lifetime">The lifetime.</param>
    /// <returns>The builder.</returns>
    public ConveyorBuilder UseHandlerLifetime(ServiceLifetime lifetime)
    {
        HandlerLifetime = lifetime;
        return this;
    }

    /// <summary>Changes the global options after configuration binding.</summary>
    /// <param name="configure">The change.</param>
    /// <returns>The builder.</returns>
    public ConveyorBuilder Configure(Action<ConveyorOptions> configure)
    {
        Services.Configure(configure);
        return this;
    }

    /// <summary>Keeps dead letters in <typeparamref name="TStore"/> instead of memory.</summary>
    /// <typeparam name="TStore">The store.</typeparam>
    /// <returns>The builder.</returns>
    public ConveyorBuilder UseDeadLetterStore<TStore>() where TStore : class, IDeadLetterStore
    {
        Services.Replace(ServiceDescriptor.Singleton<IDeadLetterStore, TStore>());
        return this;
    }

    /// <summary>Keeps deduplication keys in <typeparamref name="TStore"/> instead of memory.</summary>
    /// <typeparam name="TStore">The store.</typeparam>
    /// <returns>The builder.</returns>
    public ConveyorBuilder UseDeduplicationStore<TStore>() where TStore : class, IDeduplicationStore
    {
        Services.Replace(ServiceDescriptor.Singleton<IDeduplicationStore, TStore>());
        return this;
    }

    internal IReadOnlyList<Type> HandlerTypes() =>
        _assemblies.SelectMany(Handlers.HandlerScanner.CandidateTypes).Concat(_handlerTypes).Distinct().ToList();
}
