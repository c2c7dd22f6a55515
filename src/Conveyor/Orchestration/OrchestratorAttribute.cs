namespace Conveyor;

/// <summary>
/// Marks a method that plans a flow: it returns the routing slip, the names of the steps to run in order
/// (<c>string[]</c>, <c>IEnumerable&lt;string&gt;</c>, or a task of either). Each step is an
/// <see cref="InternalHandlerAttribute"/> method, whose return value is the next step's input; the orchestrator's own
/// payload is the first step's input. The remaining slip travels with the message, so a flow continued on a channel
/// resumes at the right step after a crash.
/// </summary>
/// <remarks>
/// The orchestrator is reached by its input channel: <see cref="IOrchestrator.StartAsync"/>, another handler's
/// <see cref="HandlerAttribute.OutputChannel"/>, or a registered channel of that name (the flow then starts when the
/// message is received). An orchestrator method without parameters plans a fixed slip: it is called once at
/// start-up and a step it names that does not exist fails the start.
/// </remarks>
/// <param name="inputChannelName">The orchestrator's input channel, its name in the flow's headers.</param>
public sealed class OrchestratorAttribute(string inputChannelName) : HandlerAttribute
{
    /// <summary>The input channel name.</summary>
    public string InputChannelName { get; } = inputChannelName;
}
