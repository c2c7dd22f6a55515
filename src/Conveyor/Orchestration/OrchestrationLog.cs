using Microsoft.Extensions.Logging;

namespace Conveyor.Orchestration;

/// <summary>The orchestrator's log events (11xx: flows of steps).</summary>
internal static partial class OrchestrationLog
{
    [LoggerMessage(1101, LogLevel.Debug, "Flow {FlowId} of {Orchestrator} continues on channel {Channel} with step {Step}; {Remaining} step(s) left after it")]
    public static partial void ContinuesOnChannel(ILogger logger, string flowId, string orchestrator, string channel, string step, int remaining);

    [LoggerMessage(1102, LogLevel.Debug, "Flow {FlowId} of {Orchestrator} stopped at step {Step}: it returned null")]
    public static partial void Stopped(ILogger logger, string flowId, string orchestrator, string step);

    [LoggerMessage(1103, LogLevel.Debug, "Flow {FlowId} of {Orchestrator} completed")]
    public static partial void Completed(ILogger logger, string flowId, string orchestrator);
}
