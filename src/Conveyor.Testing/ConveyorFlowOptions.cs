namespace Conveyor.Testing;

/// <summary>How a <see cref="ConveyorFlow"/> behaves.</summary>
public sealed record ConveyorFlowOptions
{
    /// <summary>
    /// Whether a message may fail without failing the test. By default (false) <see cref="ConveyorFlow.RunAsync"/> throws
    /// <see cref="FlowFailedException"/> when a handler threw and its message was scheduled for a delayed retry or
    /// finally failed; with true it returns, and the failures are in <see cref="ConveyorFlow.Failures"/>.
    /// </summary>
    public bool AllowFailures { get; init; }
}
