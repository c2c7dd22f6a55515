namespace Conveyor.Runtime;

/// <summary>
/// How an endpoint gets the object its handler method runs on: step 4 of the inbound pipeline, and every in-process
/// call. One kind per endpoint kind: a plain service from DI (<see cref="ServiceInstanceStep"/>) today; an aggregate or
/// saga loaded by its identifier is the next (it loads asynchronously and its <see cref="HandlerResultStep"/> saves it).
/// </summary>
internal abstract class HandlerInstanceStep
{
    /// <summary>Whether <see cref="Get"/> can be called instead of <see cref="GetAsync"/>: the hot path of a plain service.</summary>
    public abstract bool IsSynchronous { get; }

    /// <summary>The instance, when <see cref="IsSynchronous"/>.</summary>
    public abstract object? Get(IServiceProvider services);

    /// <summary>The instance for the invocation <paramref name="context"/>.</summary>
    public virtual ValueTask<object?> GetAsync(HandlerContext context) => new(Get(context.Services));
}
