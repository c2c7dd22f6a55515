namespace Conveyor.Testing;

/// <summary>Where an orchestrated flow is.</summary>
public enum OrchestrationState
{
    /// <summary>Started and not ended: a step's message waits on a channel (or is being handled).</summary>
    Running,

    /// <summary>Every step of the slip ran; <see cref="OrchestrationRun.Output"/> is the last step's output.</summary>
    Completed,

    /// <summary>A step returned null, which ends the flow.</summary>
    Stopped,
}
