namespace Conveyor;

/// <summary>Starts orchestrated flows: by an orchestrator's name, or with a routing slip built at run time.</summary>
public interface IOrchestrator
{
    /// <summary>
    /// Runs the <see cref="OrchestratorAttribute"/> method reached by <paramref name="orchestrator"/> with
    /// <paramref name="payload"/>, then the steps of the slip it returns.
    /// </summary>
    /// <param name="orchestrator">The orchestrator's input channel name.</param>
    /// <param name="payload">The flow's input.</param>
    /// <param name="metadata">Headers for the flow, or null.</param>
    /// <param name="cancellationToken">Cancels the in-process part of the flow.</param>
    /// <returns>
    /// The last step's output when every step ran in-process; null when a step stopped the flow, or when the flow
    /// continues on a channel (an asynchronous step or orchestrator).
    /// </returns>
    /// <exception cref="ArgumentException">No orchestrator has that name.</exception>
    ValueTask<object?> StartAsync(string orchestrator, object payload, IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Runs the steps of <paramref name="slip"/>, a routing slip built at run time, with <paramref name="payload"/> as
    /// the first step's input. Every step name is checked before the first step runs.
    /// </summary>
    /// <param name="payload">The first step's input.</param>
    /// <param name="slip">The step names, in order: input channels of <see cref="InternalHandlerAttribute"/> methods.</param>
    /// <param name="metadata">Headers for the flow, or null.</param>
    /// <param name="cancellationToken">Cancels the in-process part of the flow.</param>
    /// <returns>As <see cref="StartAsync"/>.</returns>
    /// <exception cref="UnknownStepException">
    /// A step name is not an internal handler's input channel; inside a received message's handler the message then
    /// goes to the dead letter (it is not retried).
    /// </exception>
    ValueTask<object?> SendAsync(object payload, IReadOnlyList<string> slip, IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default);
}
