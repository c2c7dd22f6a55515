namespace Conveyor.Orchestration;

/// <summary>
/// Told what orchestrated flows do: started, each step that ran, and how a flow ended. The flow-testing host registers
/// one to assert the steps visited and the final output; flows run the same with none registered.
/// </summary>
internal interface IOrchestrationObserver
{
    /// <summary>A flow started with <paramref name="slip"/>.</summary>
    void Started(string flowId, string orchestrator, IReadOnlyList<string> slip);

    /// <summary><paramref name="step"/> ran and returned (in-process, or after its message was received).</summary>
    void StepHandled(string flowId, string orchestrator, string step);

    /// <summary>The flow ended: every step ran (<paramref name="completed"/>, with the last step's output) or a step returned null.</summary>
    void Ended(string flowId, string orchestrator, bool completed, object? output);
}
