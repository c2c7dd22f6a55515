namespace Conveyor.Runtime;

/// <summary>
/// What happens with a handler's return value and its instance once the method returned: step 5 of the inbound
/// pipeline. The output channel (<see cref="OutputChannelResultStep"/>), an orchestrator's flow and a flow's next step
/// (<c>Orchestration/</c>), or an aggregate's (<see cref="Aggregates.AggregateResultStep"/>): save it and publish the
/// events it recorded. Messages it sends while a received message is handled wait for the hand-over like the handler's own.
/// </summary>
internal abstract class HandlerResultStep
{
    /// <summary>Handles <paramref name="result"/>; returns what the endpoint's caller gets (an orchestrator: its flow's output).</summary>
    public abstract ValueTask<object?> HandleAsync(HandlerContext context, object? instance, object? result);
}
