namespace Conveyor.Outbox;

/// <summary>Wakes this process's relay when a unit of work that wrote to the outbox commits, so that it need not wait for a poll.</summary>
internal sealed class OutboxSignal
{
    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>A task that completes at the next <see cref="Wake"/>; take it before looking for work, so that a wake during the look is not missed.</summary>
    public Task Next => Volatile.Read(ref _wake).Task;

    public void Wake() => Interlocked.Exchange(ref _wake, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
}
