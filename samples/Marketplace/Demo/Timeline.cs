namespace Marketplace.Demo;

/// <summary>What every handler attempt did and when, recorded by <see cref="TimelineInterceptor"/>; lets the demo wait for completions.</summary>
public sealed class Timeline(TimeProvider time)
{
    private readonly Lock _gate = new();
    private readonly List<TimelineEntry> _entries = [];
    private readonly List<(Func<IReadOnlyList<TimelineEntry>, bool> Condition, TaskCompletionSource Reached)> _waiters = [];
    private long _origin = time.GetTimestamp();

    public TimeSpan Elapsed => time.GetElapsedTime(Volatile.Read(ref _origin));

    /// <summary>Makes now the timeline's zero.</summary>
    public void Restart() => Volatile.Write(ref _origin, time.GetTimestamp());

    /// <summary>Every attempt so far, in the order they started.</summary>
    public IReadOnlyList<TimelineEntry> Entries
    {
        get
        {
            lock (_gate)
            {
                return [.. _entries.OrderBy(e => e.StartedAt)];
            }
        }
    }

    public void Record(TimelineEntry entry)
    {
        List<TaskCompletionSource> reached = [];
        lock (_gate)
        {
            _entries.Add(entry);
            foreach (var waiter in _waiters.Where(w => w.Condition(_entries)).ToList())
            {
                _waiters.Remove(waiter);
                reached.Add(waiter.Reached);
            }
        }

        reached.ForEach(r => r.TrySetResult());
    }

    /// <summary>Completes once <paramref name="condition"/> holds for the entries; false when <paramref name="timeout"/> passed first.</summary>
    public async Task<bool> WaitUntilAsync(Func<IReadOnlyList<TimelineEntry>, bool> condition, TimeSpan timeout, CancellationToken cancellationToken = default)
    {
        var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        lock (_gate)
        {
            if (condition(_entries))
            {
                return true;
            }

            _waiters.Add((condition, reached));
        }

        try
        {
            await reached.Task.WaitAsync(timeout, time, cancellationToken);
            return true;
        }
        catch (TimeoutException)
        {
            return false;
        }
    }
}
