namespace Conveyor;

/// <summary>
/// A routing slip names a step that no <see cref="InternalHandlerAttribute"/> method listens on. Retrying cannot fix
/// it: a received message goes to the error channel or dead letter, with this message as the reason.
/// </summary>
public sealed class UnknownStepException : ConveyorException, INonRetryableException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="orchestrator">The orchestrator whose slip names the step.</param>
    /// <param name="step">The unknown step name.</param>
    /// <param name="message">What is wrong and how to fix it.</param>
    public UnknownStepException(string orchestrator, string step, string message) : base(message)
    {
        Orchestrator = orchestrator;
        Step = step;
    }

    /// <summary>The orchestrator whose slip names the step; <c>(run-time slip)</c> for <see cref="IOrchestrator.SendAsync"/>.</summary>
    public string Orchestrator { get; }

    /// <summary>The unknown step name.</summary>
    public string Step { get; }
}
