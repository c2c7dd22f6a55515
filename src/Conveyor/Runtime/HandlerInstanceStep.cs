namespace Conveyor.Runtime;

/// <summary>
/// How an endpoint gets the object its handler method runs on: step 4 of the inbound pipeline, and every in-process
/// call. One kind per endpoint kind: a plain service from DI (<see cref="ServiceInstanceStep"/>), or an aggregate loaded
/// by its identifier (<see cref="Aggregates.AggregateInstanceStep"/>, whose <see cref="HandlerResultStep"/> saves it).
/// </summary>
internal abstract class HandlerInstanceStep
{
    /// <summary>Returned by <see cref="GetAsync"/> when the handler must not run for this message (e.g. its aggregate does not exist and the policy drops it).</summary>
    public static readonly object Skipped = new();

    /// <summary>Whether <see cref="Get"/> can be called instead of <see cref="GetAsync"/>: the hot path of a plain service.</summary>
    public abstract bool IsSynchronous { get; }

    /// <summary>The instance, when <see cref="IsSynchronous"/>.</summary>
    public abstract object? Get(IServiceProvider services);

    /// <summary>The instance for the invocation <paramref name="context"/>.</summary>
    public virtual ValueTask<object?> GetAsync(HandlerContext context) => new(Get(context.Services));
}
