using Conveyor.Runtime;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Orchestration;

/// <summary>
/// The result step of an internal handler on a registered channel: when the received message belongs to a flow (it
/// carries <see cref="MessageHeaderNames.RoutingSlip"/>), the flow goes on with the handler's output and the rest of the
/// slip, under the received message's invocation — so the next asynchronous step's message leaves with its
/// acknowledgement, and a crash before that redelivers this step, never an earlier one. Then the handler's own output
/// channel, if any.
/// </summary>
internal sealed class ContinueFlowResultStep(HandlerResultStep? output) : HandlerResultStep
{
    public override async ValueTask<object?> HandleAsync(HandlerContext context, object? instance, object? result)
    {
        var unwrapped = result is StepResult step ? step.Payload : result;
        if (output is not null)
        {
            await output.HandleAsync(context, instance, unwrapped).ConfigureAwait(false);
        }

        var headers = context.Headers;
        if (headers.Get(MessageHeaderNames.RoutingSlip) is not { } slip)
        {
            return unwrapped;
        }

        var runner = context.Services.GetRequiredService<RoutingSlipRunner>();
        var orchestrator = headers.Get(MessageHeaderNames.Orchestrator) ?? RoutingSlipRunner.RunTimeSlip;
        var flowId = headers.Get(MessageHeaderNames.FlowId) ?? headers.MessageId ?? "?";
        var remaining = RoutingSlipHeader.Read(slip);
        runner.Handled(flowId, orchestrator, context.Endpoint.Channel!);
        if (result is null)
        {
            runner.End(flowId, orchestrator, context.Endpoint.Channel, completed: false, null);
            return null;
        }

        return await runner.RunAsync(flowId, orchestrator, remaining, unwrapped, (result as StepResult)?.Headers, context, context.CancellationToken).ConfigureAwait(false);
    }
}
