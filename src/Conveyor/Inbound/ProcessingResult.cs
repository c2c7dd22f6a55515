using Conveyor.Channels;

namespace Conveyor.Inbound;

/// <summary>What processing one received message ended in: the acknowledgement, and how it went.</summary>
internal readonly record struct ProcessingResult(Acknowledgement Acknowledgement, ProcessingOutcome Outcome)
{
    public static ProcessingResult Handled { get; } = new(Acknowledgement.Completed, ProcessingOutcome.Handled);

    public static ProcessingResult Duplicate { get; } = new(Acknowledgement.Completed, ProcessingOutcome.Duplicate);

    public bool Failed => Outcome == ProcessingOutcome.Failed;
}
