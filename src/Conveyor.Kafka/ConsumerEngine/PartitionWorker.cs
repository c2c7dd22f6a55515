using Conveyor.Channels.ReceiveLoop;
using Confluent.Kafka;

namespace Conveyor.Kafka.ConsumerEngine;

/// <summary>
/// Processes the records of one assigned partition: queues them in a <see cref="KeyOrderedDispatcher{TKey, T}"/>,
/// runs the runnable ones on the thread pool, re-runs released ones after a backoff, and tracks finished
/// offsets. Records are enqueued by the poll thread and finish on pool threads; one lock guards the state.
/// </summary>
internal sealed partial class PartitionWorker : IDrainable
{
    // How many records one task processes back to back before it hands the next one to the thread pool.
    private const int MaxInline = 64;

    private readonly Lock _gate = new();
    private readonly ConsumerRunContext _context;
    private readonly bool _keyed;
    private readonly PartitionOffsetTracker _offsets = new();
    private readonly KeyOrderedDispatcher<RecordKey, ConsumeResult<byte[]?, byte[]?>> _dispatcher;

    // Cancelled at once when the partition is revoked, lost or the run stops: no new record starts and
    // release backoffs give up. The abort token is the processor's, cancelled after the grace period.
    private readonly CancellationTokenSource _closing = new();
    private readonly CancellationTokenSource _abort = new();
    private readonly TaskCompletionSource _drained = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private bool _isClosing;
    private int _running;

    public PartitionWorker(TopicPartition partition, ConsumerRunContext context)
    {
        Partition = partition;
        _context = context;
        _keyed = context.Options.Ordering == KafkaOrderingMode.KeyParallel && context.Batching is null;
        _dispatcher = new(_keyed ? context.Options.MaxDegreeOfParallelism : 1);
    }

    public TopicPartition Partition { get; }

    /// <summary>Completes once the worker is closing and no record of it is running any more.</summary>
    public Task Drained => _drained.Task;

    /// <summary>
    /// Whether records were enqueued since the last <see cref="Start"/>: set and cleared by the poll thread only,
    /// which enqueues a batch of records and then starts each worker it touched once.
    /// </summary>
    public bool HasUnstarted { get; private set; }

    /// <summary>Queues a record; it runs once <see cref="Start"/> is called, or sooner when a running record of this partition finishes.</summary>
    public void Enqueue(ConsumeResult<byte[]?, byte[]?> record)
    {
        lock (_gate)
        {
            if (_isClosing)
            {
                return;
            }

            _offsets.Delivered(record.Offset.Value);
            _dispatcher.Enqueue(_keyed ? RecordKey.From(record.Message.Key) : RecordKey.Null, record);
            _context.Accepted();
            HasUnstarted = true;
            if (_context.Batching is not null)
            {
                BatchQueued();
            }
        }
    }

    /// <summary>Starts the queued records that may run now on the thread pool.</summary>
    public void Start()
    {
        lock (_gate)
        {
            HasUnstarted = false;
            StartRunnable();
        }
    }

    /// <summary>Starts no further record, forgets the queued ones and gives up pending release backoffs.</summary>
    public void BeginClose()
    {
        bool drained;
        lock (_gate)
        {
            if (_isClosing)
            {
                return;
            }

            _isClosing = true;
            _context.Dropped(_dispatcher.DropQueued());
            drained = _running == 0;
        }

        // Outside the lock: cancellation callbacks may resume a record's continuation, which takes the lock.
        StopBatchTimer();
        _ = _closing.CancelAsync();
        if (drained)
        {
            _drained.TrySetResult();
        }
    }

    /// <summary>Cancels the token of the records still running.</summary>
    public void Abort()
    {
        BeginClose();
        _ = _abort.CancelAsync();
    }

    public bool TryGetOffsetToCommit(out TopicPartitionOffset offset)
    {
        lock (_gate)
        {
            var due = _offsets.TryGetOffsetToCommit(out var value);
            offset = new TopicPartitionOffset(Partition, new Offset(value));
            return due;
        }
    }

    public void MarkCommitted(Offset offset)
    {
        lock (_gate)
        {
            _offsets.MarkCommitted(offset.Value);
        }
    }

    private void StartRunnable()
    {
        if (_context.Batching is { } batching)
        {
            StartBatch(batching);
            return;
        }

        while (!_isClosing && _dispatcher.TryTakeNext(out var key, out var record))
        {
            _running++;

            // One small work item, rather than Task.Run's closure, delegate and task; no execution context flows from the
            // poll thread (it holds nothing a handler reads).
            ThreadPool.UnsafeQueueUserWorkItem(new RecordStart(this, record, key), preferLocal: false);
        }
    }

    /// <summary>Starts processing a record on a pool thread.</summary>
    private sealed class RecordStart(PartitionWorker worker, ConsumeResult<byte[]?, byte[]?> record, RecordKey key) : IThreadPoolWorkItem
    {
        public void Execute() => _ = worker.ProcessAsync(record, key);
    }

    // Processes a record, then goes on with the next runnable one of this partition on the same task rather than
    // queueing it to the thread pool (a hop per record); after a run of records it queues the next one, so that a
    // partition with a long backlog does not hold a pool thread while others wait.
    // The run's records are counted to the consumer's totals (shared by every partition's threads) once, as the run
    // ends, rather than with three interlocked writes per record.
    private async Task ProcessAsync(ConsumeResult<byte[]?, byte[]?> record, RecordKey key)
    {
        var counted = new RunCount();
        for (var inline = 0; ; inline++)
        {
            var outcome = await ProcessWithReleasesAsync(record, key).ConfigureAwait(false);
            var more = Finish(record, key, outcome, continueInline: inline < MaxInline, ref counted, out var next, out var nextKey);
            if (outcome == RecordOutcome.Completed)
            {
                _context.Transactions?.Exit(record, completed: true);
            }

            if (!more)
            {
                return;
            }

            record = next!;
            key = nextKey;
        }
    }

    // The first attempt of a record that waits for no concurrency slot starts here, and a record it completes at once —
    // nearly every one — returns without the async method below.
    private ValueTask<RecordOutcome> ProcessWithReleasesAsync(ConsumeResult<byte[]?, byte[]?> record, RecordKey key)
    {
        if (_context.Slots is not null || _closing.IsCancellationRequested)
        {
            return ProcessWithReleasesAsync(record, key, first: null);
        }

        ValueTask<RecordOutcome> first;
        try
        {
            first = _context.Processor(record, _abort.Token, _closing.Token);
        }
#pragma warning disable CA1031 // Handled as the processor's failure is, below.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            first = ValueTask.FromException<RecordOutcome>(exception);
        }

        if (!first.IsCompletedSuccessfully)
        {
            return ProcessWithReleasesAsync(record, key, first);
        }

        var outcome = first.Result;
        return outcome == RecordOutcome.Completed
            ? new ValueTask<RecordOutcome>(outcome)
            : ProcessWithReleasesAsync(record, key, new ValueTask<RecordOutcome>(outcome));
    }

    private async ValueTask<RecordOutcome> ProcessWithReleasesAsync(ConsumeResult<byte[]?, byte[]?> record, RecordKey key, ValueTask<RecordOutcome>? first)
    {
        var slots = _context.Slots;
        for (var attempt = 1; ; attempt++)
        {
            RecordOutcome outcome;
            try
            {
                if (first is { } started)
                {
                    first = null;
                    outcome = await started.ConfigureAwait(false);
                }
                else
                {
                    if (slots is not null)
                    {
                        await slots.WaitAsync(_closing.Token).ConfigureAwait(false);
                    }

                    try
                    {
                        if (_closing.IsCancellationRequested)
                        {
                            return RecordOutcome.Release;
                        }

                        outcome = await _context.Processor(record, _abort.Token, _closing.Token).ConfigureAwait(false);
                    }
                    finally
                    {
                        slots?.Release();
                    }
                }
            }
            catch (OperationCanceledException) when (_closing.IsCancellationRequested)
            {
                _context.Transactions?.Exit(record, completed: false);
                return RecordOutcome.Release;
            }
#pragma warning disable CA1031 // The processor's failure stops the run; it must not escape to the pool.
            catch (Exception exception)
#pragma warning restore CA1031
            {
                _context.Transactions?.Exit(record, completed: false);
                Log.ProcessorFailed(_context.Logger, record.Topic, record.Partition.Value, record.Offset.Value, exception);
                _context.RequestStop(record.TopicPartitionOffset, exception);
                return RecordOutcome.Stop;
            }

            if (outcome != RecordOutcome.Completed)
            {
                // A completed record leaves its transaction after its offset is marked finished (ProcessAsync).
                _context.Transactions?.Exit(record, completed: false);
            }

            if (outcome != RecordOutcome.Release)
            {
                if (outcome == RecordOutcome.Stop)
                {
                    Log.StopRequested(_context.Logger, record.Topic, record.Partition.Value, record.Offset.Value);
                    _context.RequestStop(record.TopicPartitionOffset, null);
                }

                return outcome;
            }

            var delay = _context.ReleaseBackoff.DelayFor(attempt);
            Log.RecordReleased(_context.Logger, record.Topic, record.Partition.Value, record.Offset.Value, attempt, delay);
            try
            {
                await Task.Delay(delay, _context.Time, _closing.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return RecordOutcome.Release;
            }
        }
    }

    // Completed: the offset may be committed and the key's next record may run. Release (given up because
    // the worker closes) and Stop: neither happens, so nothing behind the record runs or is committed.
    // Returns true with the next record when the caller is to process it itself; else the run ends, and its records
    // (those in counted and this one) are counted to the consumer's totals.
    private bool Finish(
        ConsumeResult<byte[]?, byte[]?> record,
        RecordKey key,
        RecordOutcome outcome,
        bool continueInline,
        ref RunCount counted,
        out ConsumeResult<byte[]?, byte[]?>? next,
        out RecordKey nextKey)
    {
        var completed = outcome == RecordOutcome.Completed;
        var taken = false;
        next = null;
        nextKey = default;
        bool drained;
        lock (_gate)
        {
            _running--;
            if (completed)
            {
                _offsets.Completed(record.Offset.Value);

                // Partition-sequential: the partition's next record follows on this task with its one key still running,
                // rather than the key completed, queued as ready and taken again (two lookups and a priority queue's
                // write and read fewer per record). Keyed, each key's next record waits its turn behind the other keys'.
                if (!_keyed && continueInline && !_isClosing && _dispatcher.TryTakeFollowing(key, out var following))
                {
                    _running++;
                    next = following;
                    nextKey = key;
                    taken = true;
                }
                else
                {
                    _dispatcher.Complete(key);
                    if (continueInline && !_isClosing && _dispatcher.TryTakeNext(out nextKey, out var nextRecord))
                    {
                        _running++;
                        next = nextRecord;
                        taken = true;
                    }

                    StartRunnable();
                }
            }

            drained = _isClosing && _running == 0;
        }

        counted.Finished++;
        if (completed)
        {
            counted.Completed++;
        }

        if (taken)
        {
            return true;
        }

        _context.Finished(counted.Completed, counted.Finished);
        if (drained)
        {
            _drained.TrySetResult();
        }

        return false;
    }

    /// <summary>The records of a run not yet counted to the consumer's totals.</summary>
    private struct RunCount
    {
        public int Completed;
        public int Finished;
    }
}
