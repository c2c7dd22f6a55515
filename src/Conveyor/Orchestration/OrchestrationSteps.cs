using Conveyor.Handlers;
using Conveyor.Runtime;

namespace Conveyor.Orchestration;

/// <summary>Which result step an endpoint gets for its part in orchestrated flows, around its output channel's.</summary>
internal static class OrchestrationSteps
{
    /// <summary>
    /// An orchestrator runs its slip; an internal handler on a registered channel may be a flow's asynchronous step and
    /// continues the flow its message carries; any other endpoint keeps <paramref name="output"/>.
    /// </summary>
    public static HandlerResultStep? ResultStep(HandlerDescriptor descriptor, HandlerResultStep? output) =>
        descriptor.HandlerAttribute switch
        {
            OrchestratorAttribute orchestrator => new OrchestratorResultStep(orchestrator.InputChannelName),
            InternalHandlerAttribute when descriptor.Info.IsAsynchronous => new ContinueFlowResultStep(output),
            _ => output,
        };
}
