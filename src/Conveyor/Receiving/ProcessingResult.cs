using Conveyor.Channels;

namespace Conveyor.Receiving;

/// <summary>What processing one received message ended in: the acknowledgement, and whether it finally failed.</summary>
internal readonly record struct ProcessingResult(Acknowledgement Acknowledgement, bool Failed)
{
    public static ProcessingResult Completed { get; } = new(Acknowledgement.Completed, false);
}
