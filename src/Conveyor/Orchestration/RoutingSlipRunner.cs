using System.Collections.Frozen;
using Conveyor.Runtime;
using Microsoft.Extensions.Logging;

namespace Conveyor.Orchestration;

/// <summary>
/// Runs a routing slip: in-process steps one after the other, each fed the previous one's output, up to the first
/// asynchronous step, whose message carries the rest of the slip (<see cref="MessageHeaderNames.RoutingSlip"/>); the
/// flow goes on where that message is received (<see cref="ContinueFlowResultStep"/>).
/// </summary>
internal sealed class RoutingSlipRunner
{
    /// <summary>The orchestrator name of a flow started with a slip built at run time.</summary>
    public const string RunTimeSlip = "(run-time slip)";

    private readonly FrozenDictionary<string, RuntimeEndpoint> _steps;
    private readonly MessageDispatcher _dispatcher;
    private readonly IOrchestrationObserver[] _observers;
    private readonly ILogger _logger;

    public RoutingSlipRunner(ConveyorRuntime runtime, MessageDispatcher dispatcher, IEnumerable<IOrchestrationObserver> observers, ILogger<RoutingSlipRunner> logger)
    {
        _steps = runtime.Endpoints.Values.Where(IsStep).ToFrozenDictionary(e => e.Info.Channel!, StringComparer.Ordinal);
        Orchestrators = runtime.Endpoints.Values.Where(IsOrchestrator).ToFrozenDictionary(e => e.Info.Channel!, StringComparer.Ordinal);
        _dispatcher = dispatcher;
        _observers = [.. observers];
        _logger = logger;
    }

    /// <summary>The orchestrator endpoints by name (input channel).</summary>
    public FrozenDictionary<string, RuntimeEndpoint> Orchestrators { get; }

    /// <summary>The step names: input channels of internal handlers that are not orchestrators.</summary>
    public IEnumerable<string> StepNames => _steps.Keys;

    public static bool IsOrchestrator(RuntimeEndpoint endpoint) => endpoint.Descriptor.HandlerAttribute is OrchestratorAttribute;

    public static bool IsStep(RuntimeEndpoint endpoint) => endpoint.Info.Kind == EndpointKind.Internal && !IsOrchestrator(endpoint);

    /// <summary>Checks every step of <paramref name="slip"/>, then runs it as a new flow.</summary>
    /// <exception cref="UnknownStepException">A step is unknown; no step ran.</exception>
    public ValueTask<object?> StartAsync(string orchestrator, IReadOnlyList<string> slip, object? payload, IReadOnlyDictionary<string, string>? headers, HandlerContext? parent, CancellationToken cancellationToken)
    {
        foreach (var step in slip)
        {
            EnsureKnown(orchestrator, step);
        }

        var flowId = MessageIds.New(_dispatcher.Runtime.Time.GetUtcNow());
        foreach (var observer in _observers)
        {
            observer.Started(flowId, orchestrator, slip);
        }

        return RunAsync(flowId, orchestrator, slip, payload, headers, parent, cancellationToken);
    }

    /// <summary>Tells the observers that <paramref name="step"/> of a flow continued on a channel ran.</summary>
    public void Handled(string flowId, string orchestrator, string step)
    {
        foreach (var observer in _observers)
        {
            observer.StepHandled(flowId, orchestrator, step);
        }
    }

    /// <summary>
    /// Runs the steps of <paramref name="slip"/> with <paramref name="payload"/> as the first one's input and
    /// <paramref name="parent"/> as the invocation they run under (its scope, its held sends).
    /// </summary>
    /// <returns>The last step's output; null when a step stopped the flow or it continues on a channel.</returns>
    public async ValueTask<object?> RunAsync(string flowId, string orchestrator, IReadOnlyList<string> slip, object? payload, IReadOnlyDictionary<string, string>? headers, HandlerContext? parent, CancellationToken cancellationToken)
    {
        Dictionary<string, string>? changed = headers is null ? null : new(headers, StringComparer.Ordinal);
        for (var i = 0; i < slip.Count; i++)
        {
            var step = slip[i];
            var endpoint = EnsureKnown(orchestrator, step);
            if (endpoint.IsAsynchronous)
            {
                var metadata = changed is null ? new Dictionary<string, string>(3, StringComparer.Ordinal) : new Dictionary<string, string>(changed, StringComparer.Ordinal);
                metadata[MessageHeaderNames.RoutingSlip] = RoutingSlipHeader.Write(slip, i + 1);
                metadata[MessageHeaderNames.Orchestrator] = orchestrator;
                metadata[MessageHeaderNames.FlowId] = flowId;
                await DispatchAsync(endpoint, payload, metadata, parent, cancellationToken).ConfigureAwait(false);
                OrchestrationLog.ContinuesOnChannel(_logger, flowId, orchestrator, endpoint.Info.Channel!, step, slip.Count - i - 1);
                return null;
            }

            var result = await DispatchAsync(endpoint, payload, changed, parent, cancellationToken).ConfigureAwait(false);
            Handled(flowId, orchestrator, step);
            if (result is null)
            {
                End(flowId, orchestrator, step, completed: false, null);
                return null;
            }

            if (result is StepResult stepResult)
            {
                changed ??= new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var (name, value) in stepResult.Headers)
                {
                    changed[name] = value;
                }

                result = stepResult.Payload;
            }

            payload = result;
        }

        End(flowId, orchestrator, null, completed: true, payload);
        return payload;
    }

    /// <summary>Tells the observers that a flow ended; <paramref name="stoppedAt"/> is the step that returned null.</summary>
    public void End(string flowId, string orchestrator, string? stoppedAt, bool completed, object? output)
    {
        if (completed)
        {
            OrchestrationLog.Completed(_logger, flowId, orchestrator);
        }
        else
        {
            OrchestrationLog.Stopped(_logger, flowId, orchestrator, stoppedAt ?? "?");
        }

        foreach (var observer in _observers)
        {
            observer.Ended(flowId, orchestrator, completed, output);
        }
    }

    private RuntimeEndpoint EnsureKnown(string orchestrator, string step) =>
        _steps.TryGetValue(step, out var endpoint)
            ? endpoint
            : throw new UnknownStepException(orchestrator, step, Orchestrators.ContainsKey(step)
                ? $"The routing slip of {orchestrator} names '{step}', which is an orchestrator, not a step: a step is an [InternalHandler(\"{step}\")] method. Run the steps of '{step}' in this slip instead."
                : $"The routing slip of {orchestrator} names the step '{step}', but no [InternalHandler(\"{step}\")] method exists.{NameSuggestions.DidYouMean(step, _steps.Keys)} Add the step, or fix its name in the slip.");

    // As a handler's OutputChannel: the step runs under the invocation that ran the previous one.
    private async ValueTask<object?> DispatchAsync(RuntimeEndpoint endpoint, object? payload, IReadOnlyDictionary<string, string>? metadata, HandlerContext? parent, CancellationToken cancellationToken)
    {
        var previous = HandlerContext.Swap(parent);
        try
        {
            return await _dispatcher.DispatchAsync(endpoint, payload, metadata, null, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            HandlerContext.Swap(previous);
        }
    }
}
