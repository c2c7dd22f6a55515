using Conveyor.Channels.ReceiveLoop;
using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Conveyor.Kafka.ConsumerEngine;

/// <summary>
/// What the partition workers of one consumer run share: the processor, the settings, the global
/// concurrency limit, the counters the poll loop reads, and the first request to stop.
/// </summary>
internal sealed class ConsumerRunContext
{
    private readonly Lock _stopGate = new();
    private readonly ManualResetEventSlim _space = new();
    private int _outstanding;
    private long _completed;
    private int _completedSinceCommit;
    private bool _stopRequested;

    public ConsumerRunContext(
        RecordProcessor processor, KafkaConsumerOptions options, TimeProvider timeProvider, ILogger logger, Transactions.KafkaTransactions? transactions = null, Batching.RecordBatching? batching = null)
    {
        Transactions = transactions;
        Processor = processor;
        Batching = batching;
        Options = options;
        Time = timeProvider;
        Logger = logger;
        ReleaseBackoff = options.ReleaseBackoff();
        Slots = options.Ordering == KafkaOrderingMode.KeyParallel
            ? new ConcurrencySlots(options.MaxDegreeOfParallelism)
            : null;
    }

    public RecordProcessor Processor { get; }

    /// <summary>How records are batched for a batch handler, or null: one record at a time.</summary>
    public Batching.RecordBatching? Batching { get; }

    /// <summary>The consumer's Kafka transactions when it runs exactly-once; records leave them through the worker, after their outcome is recorded.</summary>
    public Transactions.KafkaTransactions? Transactions { get; }

    public KafkaConsumerOptions Options { get; }

    public TimeProvider Time { get; }

    public ILogger Logger { get; }

    /// <summary>The waits between deliveries of a released record.</summary>
    public Backoff ReleaseBackoff { get; }

    /// <summary>The consumer-wide limit on records processed at once (key-parallel mode only).</summary>
    public ConcurrencySlots? Slots { get; }

    /// <summary>Records handed to a partition worker and not yet finished, abandoned or dropped.</summary>
    public int Outstanding => Volatile.Read(ref _outstanding);

    public long Completed => Interlocked.Read(ref _completed);

    public int CompletedSinceCommit => Volatile.Read(ref _completedSinceCommit);

    /// <summary>The record that asked to stop the run (or whose processor threw), if any.</summary>
    public TopicPartitionOffset? StoppedAt { get; private set; }

    /// <summary>The processor's exception when <see cref="StoppedAt"/> threw.</summary>
    public Exception? StopError { get; private set; }

    public bool StopRequested => Volatile.Read(ref _stopRequested);

    /// <summary>
    /// When the buffer is full, the poll loop reads again once <see cref="Outstanding"/> is down to this
    /// (half the limit), so it reads in batches rather than one record per finished one.
    /// </summary>
    public int ResumeThreshold => Options.MaxBufferedRecords / 2;

    public void Accepted() => Interlocked.Increment(ref _outstanding);

    public void Finished(bool completed) => Finished(completed ? 1 : 0, 1);

    /// <summary><paramref name="finished"/> records done, of which <paramref name="completed"/> completed: counted at once, as a partition's run of records ends.</summary>
    public void Finished(int completed, int finished)
    {
        if (completed > 0)
        {
            Interlocked.Add(ref _completed, completed);
            Interlocked.Add(ref _completedSinceCommit, completed);
        }

        Released(finished);
    }

    public void Dropped(int count) => Released(count);

    /// <summary>Blocks the poll thread until <see cref="Outstanding"/> is down to <see cref="ResumeThreshold"/>, at most <paramref name="timeout"/>.</summary>
    public void WaitForSpace(TimeSpan timeout)
    {
        _space.Reset();
        if (Outstanding > ResumeThreshold)
        {
            _space.Wait(timeout);
        }
    }

    public void ResetCompletedSinceCommit() => Interlocked.Exchange(ref _completedSinceCommit, 0);

    private void Released(int count)
    {
        var after = Interlocked.Add(ref _outstanding, -count);
        if (after <= ResumeThreshold && after + count > ResumeThreshold)
        {
            _space.Set();
        }
    }

    /// <summary>Asks the poll loop to stop; the first record to ask is the one reported (none when a transaction failed).</summary>
    public void RequestStop(TopicPartitionOffset? record, Exception? error)
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
