using Conveyor.Runtime;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Orchestration;

/// <summary>
/// An orchestrator's result step: the method returned the routing slip; run it with the orchestrator's payload as the
/// first step's input. The endpoint's result becomes the flow's output.
/// </summary>
internal sealed class OrchestratorResultStep(string orchestrator) : HandlerResultStep
{
    public override ValueTask<object?> HandleAsync(HandlerContext context, object? instance, object? result)
    {
        var slip = Slip(result);
        return context.Services.GetRequiredService<RoutingSlipRunner>()
            .StartAsync(orchestrator, slip, context.Payload, null, context, context.CancellationToken);
    }

    /// <summary>The slip an orchestrator method returned; a null slip or a null name is the orchestrator's bug.</summary>
    public IReadOnlyList<string> Slip(object? result) => result switch
    {
        IReadOnlyList<string> list when !list.Any(string.IsNullOrEmpty) => list,
        IEnumerable<string> names when names.ToArray() is var array && !array.Any(string.IsNullOrEmpty) => array,
        _ => throw new InvalidOperationException($"Orchestrator {orchestrator} returned {(result is null ? "null" : "a slip with an empty step name")}; it must return the names of the steps to run, e.g. [\"lead.match\", \"lead.notify\"], or an empty slip to run none."),
    };
}
