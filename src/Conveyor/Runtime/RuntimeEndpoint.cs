using Conveyor.Aggregates;
using Conveyor.Deduplication;
using Conveyor.Failures;
using Conveyor.Handlers;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Runtime;

/// <summary>A compiled endpoint: the handler invoker, its interceptors, and its failure and deduplication policies.</summary>
internal sealed class RuntimeEndpoint
{
    private readonly HandlerInvoker _invoker;
    private readonly DirectInvoker? _direct;

    // The same synchronous method for an invocation whose context is made already (a received message's): called with
    // that context ambient on the thread, whatever the endpoint's policies, which its caller applies around each call.
    private readonly DirectInvoker? _synchronous;
    private readonly HandlerInstanceStep _instances;

    // The same step, typed as the sealed DI kind when it is one: the direct path calls it without a virtual call.
    private readonly ServiceInstanceStep? _services;
    private readonly HandlerResultStep? _results;
    private readonly Type[] _before;
    private readonly Type[] _around;
    private readonly Type[] _after;
    private readonly bool _hasInterceptors;

    public RuntimeEndpoint(
        HandlerDescriptor descriptor,
        HandlerInvoker invoker,
        DirectInvoker? direct,
        IServiceProvider rootServices,
        bool isSingleton,
        ObjectFactory? unscoped,
        bool needsScope,
        IReadOnlyList<Type> interceptors,
        FailurePolicy failure,
        DeduplicationKey? deduplication,
        TimeSpan? delay,
        AggregateEndpoint? aggregate = null)
    {
        Descriptor = descriptor;
        _invoker = invoker;
        RootServices = rootServices;
        _instances = aggregate?.Instances ?? (_services = new ServiceInstanceStep(descriptor.Info, rootServices, isSingleton, unscoped));
        _results = aggregate?.Results ?? Orchestration.OrchestrationSteps.ResultStep(descriptor, descriptor.OutputChannel is { } output ? new OutputChannelResultStep(output) : null);
        Aggregate = aggregate;
        NeedsScope = needsScope;
        _before = interceptors.Where(t => typeof(IBeforeInterceptor).IsAssignableFrom(t)).ToArray();
        _around = interceptors.Where(t => typeof(IAroundInterceptor).IsAssignableFrom(t)).ToArray();
        _after = interceptors.Where(t => typeof(IAfterInterceptor).IsAssignableFrom(t)).ToArray();
        _hasInterceptors = _before.Length + _around.Length + _after.Length > 0;
        Failure = failure;
        Deduplication = deduplication;
        Delay = delay;
        Time = rootServices.GetService<TimeProvider>() ?? TimeProvider.System;
        IsAsynchronous = descriptor.Info.IsAsynchronous;
        PayloadType = descriptor.Info.PayloadType;
        RunsWithoutPolicies = failure.InstantRetries == 0;
        _synchronous = !_hasInterceptors && _results is null && _services is not null ? direct : null;
        _direct = RunsWithoutPolicies && !IsAsynchronous ? _synchronous : null;
    }

    public HandlerDescriptor Descriptor { get; }

    /// <summary>The aggregate a command handler on an aggregate class loads and saves, or null.</summary>
    public AggregateEndpoint? Aggregate { get; }

    /// <summary>The application's root service provider: singleton handlers come from it, and invocations outside any scope use it.</summary>
    public IServiceProvider RootServices { get; }

    public EndpointInfo Info => Descriptor.Info;

    public string Id => Descriptor.Info.EndpointId;

    public Type? PayloadType { get; }

    /// <summary>Whether messages reach the endpoint through a channel; fixed when the runtime is built.</summary>
    public bool IsAsynchronous { get; }

    /// <summary>No instant retries: one invocation is the whole call.</summary>
    public bool RunsWithoutPolicies { get; }

    public bool NeedsScope { get; }

    public FailurePolicy Failure { get; }

    public DeduplicationKey? Deduplication { get; }

    /// <summary>How long after sending a message is delivered to the endpoint (<see cref="DelayedAttribute"/>), or null.</summary>
    public TimeSpan? Delay { get; }

    /// <summary>The application's clock.</summary>
    public TimeProvider Time { get; }


    public bool HasInterceptors => _hasInterceptors;

    /// <summary>
    /// A synchronous handler method with no policies and no interceptors whose parameters need no context: it is called
    /// directly, with its invocation ambient on the calling thread only (<see cref="SynchronousInvocation"/>).
    /// </summary>
    public bool IsDirect => _direct is not null;

    /// <summary>Runs the handler with its interceptors, with <paramref name="context"/> as the ambient invocation.</summary>
    public ValueTask<object?> InvokeAsync(HandlerContext context) => InvokeAsync(context, HandlerContext.AsyncAmbient);

    /// <summary>As <see cref="InvokeAsync(HandlerContext)"/>, for a caller that has just read <see cref="HandlerContext.AsyncAmbient"/> (<paramref name="ambient"/>).</summary>
    public ValueTask<object?> InvokeAsync(HandlerContext context, HandlerContext? ambient) =>
        ReferenceEquals(context, ambient) ? Invoke(context)
        : _synchronous is not null ? InvokeOnThread(context, ambient)
        : InvokeAsAmbientAsync(context);

    // A synchronous handler method cannot await: its invocation is ambient on this thread for as long as it runs
    // (SynchronousInvocation), without the async-local write that makes an execution context per message.
    private ValueTask<object?> InvokeOnThread(HandlerContext context, HandlerContext? ambient)
    {
        try
        {
            return new ValueTask<object?>(SynchronousInvocation.InvokeIn(context, _synchronous!, _services!.Get(context.Services), this, ambient));
        }
        catch (Exception e)
        {
            return ValueTask.FromException<object?>(e);
        }
    }

    // The ambient invocation is set inside an async method: its builder gives the caller its own execution context back
    // when the method returns, synchronously or not. One async-local write per invocation, not a write and a restore.
    private async ValueTask<object?> InvokeAsAmbientAsync(HandlerContext context)
    {
        HandlerContext.SetAmbient(context);
        return await Invoke(context).ConfigureAwait(false);
    }

    // Steps 4 and 5: the instance, the handler with its interceptors around it, the result.
    private ValueTask<object?> Invoke(HandlerContext context) =>
        _hasInterceptors || _results is not null || !_instances.IsSynchronous
            ? InvokeStepsAsync(context)
            : _invoker(_instances.Get(context.Services), context);

    private async ValueTask<object?> InvokeStepsAsync(HandlerContext context)
    {
        var instance = await _instances.GetAsync(context).ConfigureAwait(false);
        if (ReferenceEquals(instance, HandlerInstanceStep.Skipped))
        {
            return null;
        }

        var result = _hasInterceptors ? await InvokeInterceptedAsync(context, instance).ConfigureAwait(false) : await _invoker(instance, context).ConfigureAwait(false);
        return _results is null ? result : await _results.HandleAsync(context, instance, result).ConfigureAwait(false);
    }

    /// <summary>Calls a direct endpoint (<see cref="IsDirect"/>) in <paramref name="services"/>.</summary>
    public object? InvokeDirect(object? payload, IReadOnlyDictionary<string, string>? metadata, HandlerContext? parent, IServiceProvider services, CancellationToken cancellationToken, HandlerContext? asyncAmbient) =>
        SynchronousInvocation.Invoke(_direct!, _services!.Get(services), this, payload, metadata, parent, services, cancellationToken, asyncAmbient);

    /// <summary>Resolves a singleton handler class once, so that one that cannot be constructed fails at start-up.</summary>
    public void ResolveSingleton() => _services?.ResolveSingleton();

    private async ValueTask<object?> InvokeInterceptedAsync(HandlerContext context, object? instance)
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
                ? _invoker(instance, context)
                : ((IAroundInterceptor)context.Services.GetRequiredService(_around[index])).AroundAsync(context, () => Next(index + 1));
    }
}
