namespace Conveyor.Testing;

/// <summary>One orchestrated flow as a <see cref="ConveyorFlow"/> saw it: its slip, the steps that ran, how it ended.</summary>
public sealed class OrchestrationRun
{
    private readonly List<string> _steps = [];

    internal OrchestrationRun(string flowId, string orchestrator, IReadOnlyList<string> slip)
    {
        FlowId = flowId;
        Orchestrator = orchestrator;
        Slip = slip;
    }

    /// <summary>The flow's id (<see cref="MessageHeaderNames.FlowId"/>).</summary>
    public string FlowId { get; }

    /// <summary>The orchestrator's name; <c>(run-time slip)</c> for a flow started with <see cref="IOrchestrator.SendAsync"/>.</summary>
    public string Orchestrator { get; }

    /// <summary>The routing slip the flow started with.</summary>
    public IReadOnlyList<string> Slip { get; }

    /// <summary>The steps that ran and returned, in order.</summary>
    public IReadOnlyList<string> Steps => _steps;

    /// <summary>Where the flow is.</summary>
    public OrchestrationState State { get; private set; }

    /// <summary>The last step's output once <see cref="OrchestrationState.Completed"/>; null otherwise.</summary>
    public object? Output { get; private set; }

    /// <summary>The output as <typeparamref name="T"/>.</summary>
    /// <typeparam name="T">The last step's output type.</typeparam>
    /// <returns>The output.</returns>
    /// <exception cref="InvalidOperationException">The flow did not complete, or its output is not a <typeparamref name="T"/>.</exception>
    public T OutputAs<T>() => State == OrchestrationState.Completed && Output is T output
        ? output
        : throw new InvalidOperationException(State == OrchestrationState.Completed
            ? $"Flow {FlowId} of {Orchestrator} completed with {Output?.GetType().Name ?? "null"}, not {typeof(T).Name}."
            : $"Flow {FlowId} of {Orchestrator} is {State} after steps [{string.Join(", ", _steps)}]; it has no output.");

    /// <inheritdoc />
    public override string ToString() => $"{Orchestrator} {State}: [{string.Join(", ", _steps)}] of [{string.Join(", ", Slip)}]";

    internal void Visit(string step) => _steps.Add(step);

    internal void End(bool completed, object? output)
    {
        State = completed ? OrchestrationState.Completed : OrchestrationState.Stopped;
        Output = output;
    }

    internal OrchestrationRun Copy()
    {
        var copy = new OrchestrationRun(FlowId, Orchestrator, Slip) { State = State, Output = Output };
        copy._steps.AddRange(_steps);
        return copy;
    }
}
