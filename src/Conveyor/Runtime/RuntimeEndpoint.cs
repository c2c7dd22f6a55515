using Conveyor.Deduplication;
using Conveyor.Failures;
using Conveyor.Handlers;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Runtime;

/// <summary>A compiled endpoint: the handler invoker, its interceptors, and its failure and deduplication policies.</summary>
internal sealed class RuntimeEndpoint
{
    private readonly HandlerInvoker _invoker;
    private readonly IServiceProvider? _singletonSource;
    private object? _singleton;
    private readonly Type[] _before;
    private readonly Type[] _around;
    private readonly Type[] _after;
    private readonly bool _hasInterceptors;

    public RuntimeEndpoint(
        HandlerDescriptor descriptor,
        HandlerInvoker invoker,
        IServiceProvider? singletonSource,
        bool needsScope,
        IReadOnlyList<Type> interceptors,
        FailurePolicy failure,
        DeduplicationKey? deduplication)
    {
        Descriptor = descriptor;
        _invoker = invoker;
        _singletonSource = singletonSource;
        NeedsScope = needsScope;
        _before = interceptors.Where(t => typeof(IBeforeInterceptor).IsAssignableFrom(t)).ToArray();
        _around = interceptors.Where(t => typeof(IAroundInterceptor).IsAssignableFrom(t)).ToArray();
        _after = interceptors.Where(t => typeof(IAfterInterceptor).IsAssignableFrom(t)).ToArray();
        _hasInterceptors = _before.Length + _around.Length + _after.Length > 0;
        Failure = failure;
        Deduplication = deduplication;
        IsAsynchronous = descriptor.Info.IsAsynchronous;
        PayloadType = descriptor.Info.PayloadType;
        RunsWithoutPolicies = failure.InstantRetries == 0 && descriptor.OutputChannel is null;
    }

    public HandlerDescriptor Descriptor { get; }

    public EndpointInfo Info => Descriptor.Info;

    public string Id => Descriptor.Info.EndpointId;

    public Type? PayloadType { get; }

    /// <summary>Whether messages reach the endpoint through a channel; fixed when the runtime is built.</summary>
    public bool IsAsynchronous { get; }

    /// <summary>No instant retries and no output channel: the handler's result is the invocation's result.</summary>
    public bool RunsWithoutPolicies { get; }

    public bool NeedsScope { get; }

    public FailurePolicy Failure { get; }

    public DeduplicationKey? Deduplication { get; }

    public string? OutputChannel => Descriptor.OutputChannel;

    public bool HasInterceptors => _hasInterceptors;

    /// <summary>Runs the handler with its interceptors, with <paramref name="context"/> as the ambient invocation.</summary>
    public ValueTask<object?> InvokeAsync(HandlerContext context) => InvokeAsync(context, HandlerContext.Current);

    /// <summary>As <see cref="InvokeAsync(HandlerContext)"/>, for a caller that has just read the ambient invocation (<paramref name="ambient"/>).</summary>
    public ValueTask<object?> InvokeAsync(HandlerContext context, HandlerContext? ambient)
    {
        var previous = HandlerContext.Swap(context, ambient);
        try
        {
            return _hasInterceptors ? InvokeInterceptedAsync(context) : _invoker(Instance(context), context);
        }
        finally
        {
            HandlerContext.Swap(previous, context);
        }
    }

    /// <summary>
    /// Resolves a singleton handler class once. Not done while the runtime is built: the handler may depend on a bus,
    /// which depends on the runtime, and resolving it from the runtime's constructor would never return.
    /// </summary>
    public void ResolveSingleton()
    {
        if (_singletonSource is not null)
        {
            _singleton ??= _singletonSource.GetRequiredService(Info.HandlerType);
        }
    }

    private object? Instance(HandlerContext context)
    {
        if (_singleton is { } singleton)
        {
            return singleton;
        }

        if (Info.Method.IsStatic)
        {
            return null;
        }

        if (_singletonSource is not null)
        {
            ResolveSingleton();
            return _singleton;
        }

        return context.Services.GetRequiredService(Info.HandlerType);
    }

    private async ValueTask<object?> InvokeInterceptedAsync(HandlerContext context)
    {
        foreach (var type in _before)
        {
            await ((IBeforeInterceptor)context.Services.GetRequiredService(type)).BeforeAsync(context).ConfigureAwait(false);
        }

        var result = await Next(0).ConfigureAwait(false);

        foreach (var type in _after)
        {
            await ((IAfterInterceptor)context.Services.GetRequiredService(type)).AfterAsync(context, result).ConfigureAwait(false);
        }

        return result;

        ValueTask<object?> Next(int index) =>
            index == _around.Length
                ? _invoker(Instance(context), context)
                : ((IAroundInterceptor)context.Services.GetRequiredService(_around[index])).AroundAsync(context, () => Next(index + 1));
    }
}
