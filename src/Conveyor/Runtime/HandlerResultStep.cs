namespace Conveyor.Runtime;

/// <summary>
/// What happens with a handler's return value and its instance once the method returned: step 5 of the inbound
/// pipeline. The output channel (<see cref="OutputChannelResultStep"/>), or an aggregate's
/// (<see cref="Aggregates.AggregateResultStep"/>): save it and publish the events it recorded. Messages it sends while a received message is handled wait for the hand-over like the
/// handler's own.
/// </summary>
internal abstract class HandlerResultStep
{
    public abstract ValueTask HandleAsync(HandlerContext context, object? instance, object? result);
}
