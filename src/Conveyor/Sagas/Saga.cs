namespace Conveyor;

/// <summary>
/// The base of <see cref="SagaAttribute"/> classes: an <see cref="AggregateRoot"/> that can be completed. A completed
/// saga keeps its final state, and the messages that reach it afterwards (a late reply, a timeout that fires after the
/// outcome) are dropped without running its handlers.
/// </summary>
public abstract class Saga : AggregateRoot
{
    /// <summary>Whether the saga has ended (<see cref="Complete"/>); part of the stored state.</summary>
    public bool IsCompleted { get; private set; }

    /// <summary>Ends the saga once this handler's changes are saved: later messages to it are dropped.</summary>
    protected void Complete() => IsCompleted = true;
}
