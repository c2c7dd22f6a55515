using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Conveyor.Kafka.Consuming;

/// <summary>
/// What the partition workers of one consumer run share: the processor, the settings, the global
/// concurrency limit, the counters the poll loop reads, and the first request to stop.
/// </summary>
internal sealed class ConsumerRunContext
{
    private readonly Lock _stopGate = new();
    private readonly ManualResetEventSlim _drained = new(false);
    private int _drainThreshold = -1;
    private int _outstanding;
    private long _completed;
    private int _completedSinceCommit;
    private bool _stopRequested;

    public ConsumerRunContext(
        RecordProcessor processor, KafkaConsumerOptions options, TimeProvider timeProvider, ILogger logger)
    {
        Processor = processor;
        Options = options;
        Time = timeProvider;
        Logger = logger;
        Slots = options.Ordering == KafkaOrderingMode.KeyParallel
            ? new SemaphoreSlim(options.MaxDegreeOfParallelism)
            : null;
    }

    public RecordProcessor Processor { get; }

    public KafkaConsumerOptions Options { get; }

    public TimeProvider Time { get; }

    public ILogger Logger { get; }

    /// <summary>The consumer-wide limit on records processed at once (key-parallel mode only).</summary>
    public SemaphoreSlim? Slots { get; }

    /// <summary>Records handed to a partition worker and not yet finished, abandoned or dropped.</summary>
    public int Outstanding => Volatile.Read(ref _outstanding);

    public long Completed => Interlocked.Read(ref _completed);

    public int CompletedSinceCommit => Volatile.Read(ref _completedSinceCommit);

    /// <summary>The record that asked to stop the run (or whose processor threw), if any.</summary>
    public TopicPartitionOffset? StoppedAt { get; private set; }

    /// <summary>The processor's exception when <see cref="StoppedAt"/> threw.</summary>
    public Exception? StopError { get; private set; }

    public bool StopRequested => Volatile.Read(ref _stopRequested);

    public void Accepted() => Interlocked.Increment(ref _outstanding);

    public void Finished(bool completed)
    {
        if (completed)
        {
            Interlocked.Increment(ref _completed);
            Interlocked.Increment(ref _completedSinceCommit);
        }

        SignalIfDrained(Interlocked.Decrement(ref _outstanding));
    }

    public void Dropped(int count) => SignalIfDrained(Interlocked.Add(ref _outstanding, -count));

    /// <summary>
    /// Blocks the calling (poll) thread until at most <paramref name="threshold"/> records are outstanding, for at most
    /// <paramref name="timeout"/>; returns whether they are.
    /// </summary>
    public bool WaitUntilOutstandingAtMost(int threshold, TimeSpan timeout)
    {
        // Publish the threshold before reading the count (full fence): a record finishing after the read sees it and signals.
        Interlocked.Exchange(ref _drainThreshold, threshold);
        try
        {
            _drained.Reset();
            return Outstanding <= threshold || _drained.Wait(timeout) || Outstanding <= threshold;
        }
        finally
        {
            Interlocked.Exchange(ref _drainThreshold, -1);
        }
    }

    private void SignalIfDrained(int outstanding)
    {
        if (outstanding <= Volatile.Read(ref _drainThreshold))
        {
            _drained.Set();
        }
    }

    public void ResetCompletedSinceCommit() => Interlocked.Exchange(ref _completedSinceCommit, 0);

    /// <summary>Asks the poll loop to stop; the first record to ask is the one reported.</summary>
    public void RequestStop(TopicPartitionOffset record, Exception? error)
    {
        lock (_stopGate)
        {
            if (_stopRequested)
            {
                return;
            }

            StoppedAt = record;
            StopError = error;
            Volatile.Write(ref _stopRequested, true);
        }
    }
}
