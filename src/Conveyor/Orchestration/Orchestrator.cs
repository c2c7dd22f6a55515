using Conveyor.Runtime;

namespace Conveyor.Orchestration;

/// <summary>
/// <see cref="IOrchestrator"/>: an orchestrator is dispatched like any endpoint (in-process, or as a message to its
/// channel); a run-time slip is run by the <see cref="RoutingSlipRunner"/>. Called from a handler, the flow runs under
/// that handler's invocation: its scope, and its sends held until the received message succeeded.
/// </summary>
internal sealed class Orchestrator(RoutingSlipRunner runner, MessageDispatcher dispatcher) : IOrchestrator
{
    public ValueTask<object?> StartAsync(string orchestrator, object payload, IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(orchestrator);
        ArgumentNullException.ThrowIfNull(payload);
        if (!runner.Orchestrators.TryGetValue(orchestrator, out var endpoint))
        {
            throw new ArgumentException($"There is no orchestrator '{orchestrator}'.{NameSuggestions.DidYouMean(orchestrator, runner.Orchestrators.Keys)} Orchestrators are [Orchestrator(\"name\")] methods of scanned handler classes.", nameof(orchestrator));
        }

        return dispatcher.DispatchAsync(endpoint, payload, metadata, null, cancellationToken);
    }

    public ValueTask<object?> SendAsync(object payload, IReadOnlyList<string> slip, IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(payload);
        ArgumentNullException.ThrowIfNull(slip);
        return runner.StartAsync(RoutingSlipRunner.RunTimeSlip, slip, payload, metadata, HandlerContext.Current, cancellationToken);
    }
}
