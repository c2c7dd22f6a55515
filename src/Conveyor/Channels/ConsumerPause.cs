namespace Conveyor.Channels;

/// <summary>
/// An operator's pause of one consumer (<see cref="IConsumerRunner.PauseAsync"/>), which the channel's receive loop
/// honours: while <see cref="IsPaused"/>, it hands out no new message; messages already handed out finish. A channel
/// that honours it says so with <see cref="ChannelCapabilities.CanPause"/> and receives it as
/// <see cref="ReceiveOptions.Pause"/>. The pause belongs to the consumer, not to one run: it holds across restarts
/// and rebalances until resumed. Thread-safe.
/// </summary>
public sealed class ConsumerPause
{
    private readonly Lock _gate = new();
    private TaskCompletionSource? _resumed;
    private TaskCompletionSource? _confirmed;
    private TaskCompletionSource _paused = NewSignal();
    private bool _held;
    private int _loops;

    /// <summary>Whether the consumer is paused (asked to be: <see cref="Confirm"/> says when its loop took notice).</summary>
    public bool IsPaused => Volatile.Read(ref _resumed) is not null;

    /// <summary>
    /// Completes when the consumer is paused (at once when it is): a loop that waits for messages waits on it too, so
    /// that it confirms a pause without waiting for the next message.
    /// </summary>
    public Task WhenPaused
    {
        get
        {
            lock (_gate)
            {
                return _paused.Task;
            }
        }
    }

    /// <summary>
    /// The receive loop says it hands out nothing new now. Call it whenever the loop sees <see cref="IsPaused"/>; it
    /// completes the pending <see cref="PauseAsync"/> calls.
    /// </summary>
    public void Confirm()
    {
        TaskCompletionSource? confirmed;
        lock (_gate)
        {
            if (_resumed is null)
            {
                return;
            }

            _held = true;
            confirmed = _confirmed;
            _confirmed = null;
        }

        confirmed?.TrySetResult();
    }

    /// <summary>
    /// For a loop that takes one message at a time: when paused, confirms the pause and waits until the consumer is
    /// resumed or <paramref name="cancellationToken"/> is cancelled (then it returns without throwing, so the loop
    /// stops as usual); when not paused, returns at once.
    /// </summary>
    /// <param name="cancellationToken">The loop's stop.</param>
    /// <returns>A task that completes once the loop may go on.</returns>
    public async ValueTask WaitWhilePausedAsync(CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _resumed) is not { } resumed)
        {
            return;
        }

        Confirm();
        await resumed.Task.WaitAsync(cancellationToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
    }

    /// <summary>
    /// Pauses. <see cref="IConsumerRunner.PauseAsync"/> calls it on the consumer's pause; a transport's tests call it
    /// on their own.
    /// </summary>
    /// <param name="cancellationToken">Stops waiting for the confirmation; the pause stays.</param>
    /// <returns>A task that completes once an attached loop (<see cref="AttachLoop"/>) confirmed, or at once when none is attached.</returns>
    public Task PauseAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (_resumed is null)
            {
                _resumed = NewSignal();
                _paused.TrySetResult();
            }

            if (_loops == 0 || _held)
            {
                return Task.CompletedTask;
            }

            _confirmed ??= NewSignal();
            return _confirmed.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Resumes: the loop takes messages again on its next turn. Does nothing when not paused.</summary>
    public void Resume()
    {
        TaskCompletionSource? resumed;
        lock (_gate)
        {
            resumed = _resumed;
            _resumed = null;
            _held = false;
            if (_paused.Task.IsCompleted)
            {
                _paused = NewSignal();
            }
        }

        resumed?.TrySetResult();
    }

    /// <summary>
    /// Says that a receive loop honours this pause from now until the returned object is disposed, so that
    /// <see cref="PauseAsync"/> waits for its <see cref="Confirm"/>. The consumer runner attaches every run it starts.
    /// </summary>
    /// <returns>Detaches the loop: a pause still waiting for its confirmation has nothing left to wait for.</returns>
    public IDisposable AttachLoop()
    {
        lock (_gate)
        {
            _loops++;
        }

        return new Attachment(this);
    }

    private void LoopEnded()
    {
        TaskCompletionSource? confirmed = null;
        lock (_gate)
        {
            if (--_loops == 0)
            {
                confirmed = _confirmed;
                _confirmed = null;
            }
        }

        confirmed?.TrySetResult();
    }

    private static TaskCompletionSource NewSignal() => new(TaskCreationOptions.RunContinuationsAsynchronously);

    private sealed class Attachment(ConsumerPause pause) : IDisposable
    {
        private int _disposed;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _disposed, 1) == 0)
            {
                pause.LoopEnded();
            }
        }
    }
}
