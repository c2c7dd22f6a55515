using Confluent.Kafka;

namespace Conveyor.Kafka.ConsumerEngine;

/// <summary>
/// Batch mode (<see cref="ConsumerRunContext.Batching"/>): the partition's queued records are taken together, in offset
/// order, up to the batch size, once that many are queued or the batch wait has passed since the first of them was
/// (at once while the consumer's buffer is more than half full);
/// one batch of the partition runs at a time (whatever the ordering mode), so partition and key order hold across
/// batches. Offsets of a batch are marked finished only when the whole batch is.
/// Under exactly-once the batch processor enters the batch into the consumer's transaction as one unit; its records
/// leave it together once their offsets are marked, so a commit holds all of a batch's writes and offsets or none.
/// </summary>
internal sealed partial class PartitionWorker
{
    // When the records now queued started to wait for a batch to fill; valid while any is queued.
    private DateTimeOffset _fillingSince;
    private ITimer? _batchTimer;
    private bool _batchTimerArmed;

    /// <summary>A record was queued (under the lock): the first of an empty queue starts the batch wait.</summary>
    private void BatchQueued()
    {
        if (_dispatcher.Queued == 1)
        {
            _fillingSince = _context.Time.GetUtcNow();
        }
    }

    /// <summary>Starts the partition's next batch if none runs and it is full or due; else waits for it to be (under the lock).</summary>
    private void StartBatch(Batching.RecordBatching batching)
    {
        if (_isClosing || _dispatcher.InFlight > 0 || _dispatcher.Queued == 0)
        {
            return;
        }

        // A batch waits to fill only while the consumer's buffer is at most half full: beyond that the poll loop may be
        // holding back until records finish (back-pressure), and waiting for more would only stall the partition.
        var now = _context.Time.GetUtcNow();
        var due = _fillingSince + batching.MaxWait;
        if (_dispatcher.Queued < batching.MaxSize && now < due && _context.Outstanding <= _context.ResumeThreshold)
        {
            ArmBatchTimer(due - now);
            return;
        }

        var records = new List<ConsumeResult<byte[]?, byte[]?>>(Math.Min(_dispatcher.Queued, batching.MaxSize));
        if (_dispatcher.TryTakeNext(out _, out var first))
        {
            records.Add(first);
            while (records.Count < batching.MaxSize && _dispatcher.TryTakeFollowing(RecordKey.Null, out var next))
            {
                records.Add(next);
            }
        }

        // What is left queued has waited for this batch already; it waits at most the batch wait more to fill.
        _fillingSince = now;
        _running++;
        _ = Task.Run(() => ProcessBatchAsync(batching, records));
    }

    private void ArmBatchTimer(TimeSpan delay)
    {
        if (_batchTimerArmed)
        {
            return; // armed for an earlier time, when this is checked again
        }

        _batchTimerArmed = true;
        _batchTimer ??= _context.Time.CreateTimer(_ => OnBatchDue(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _batchTimer.Change(delay, Timeout.InfiniteTimeSpan);
    }

    private void OnBatchDue()
    {
        lock (_gate)
        {
            _batchTimerArmed = false;
            if (_context.Batching is { } batching)
            {
                StartBatch(batching);
            }
        }
    }

    private void StopBatchTimer() => _batchTimer?.Dispose();

    private async Task ProcessBatchAsync(Batching.RecordBatching batching, List<ConsumeResult<byte[]?, byte[]?>> records)
    {
        var outcomes = await ProcessBatchOnceAsync(batching, records).ConfigureAwait(false);

        // The batch's leading completed records are finished together; under exactly-once they then leave the
        // transaction, all of the batch at once (those not completed too: a released one enters again alone).
        var finished = CompleteLeading(records, outcomes);
        if (_context.Transactions is { } transactions)
        {
            for (var i = 0; i < records.Count; i++)
            {
                transactions.Exit(records[i], completed: i < finished);
            }
        }

        // A record the layer above released (it could not finish it now) goes again alone, in order, as one-by-one
        // records do: after a backoff, holding what follows. When the partition closes it is given up at once.
        for (var i = finished; i < outcomes.Length; i++)
        {
            if (outcomes[i] == RecordOutcome.Release)
            {
                outcomes[i] = await ProcessWithReleasesAsync(records[i], RecordKey.Null).ConfigureAwait(false);
            }

            if (outcomes[i] != RecordOutcome.Completed)
            {
                break; // nothing behind an unfinished record runs
            }

            lock (_gate)
            {
                _offsets.Completed(records[i].Offset.Value);
            }

            _context.Transactions?.Exit(records[i], completed: true);
        }

        FinishBatch(outcomes);
    }

    private async ValueTask<RecordOutcome[]> ProcessBatchOnceAsync(Batching.RecordBatching batching, List<ConsumeResult<byte[]?, byte[]?>> records)
    {
        var slots = _context.Slots;
        try
        {
            if (slots is not null)
            {
                await slots.WaitAsync(_closing.Token).ConfigureAwait(false);
            }

            try
            {
                if (_closing.IsCancellationRequested)
                {
                    return All(records.Count, RecordOutcome.Release);
                }

                var outcomes = await batching.Processor(records, _abort.Token, _closing.Token).ConfigureAwait(false);
                var stop = Array.IndexOf(outcomes, RecordOutcome.Stop);
                if (stop >= 0)
                {
                    var record = records[stop];
                    Log.StopRequested(_context.Logger, record.Topic, record.Partition.Value, record.Offset.Value);
                    _context.RequestStop(record.TopicPartitionOffset, null);
                }

                return outcomes;
            }
            finally
            {
                slots?.Release();
            }
        }
        catch (OperationCanceledException) when (_closing.IsCancellationRequested)
        {
            return All(records.Count, RecordOutcome.Release);
        }
#pragma warning disable CA1031 // The processor's failure stops the run; it must not escape to the pool.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            var record = records[0];
            Log.ProcessorFailed(_context.Logger, record.Topic, record.Partition.Value, record.Offset.Value, exception);
            _context.RequestStop(record.TopicPartitionOffset, exception);
            return All(records.Count, RecordOutcome.Stop);
        }

        static RecordOutcome[] All(int count, RecordOutcome outcome)
        {
            var all = new RecordOutcome[count];
            Array.Fill(all, outcome);
            return all;
        }
    }

    // Marks finished the batch's records that completed, up to the first one that did not; returns that one's index (the
    // batch's count when all completed). Completed records may be committed: the tracker never passes an unfinished one.
    private int CompleteLeading(List<ConsumeResult<byte[]?, byte[]?>> records, RecordOutcome[] outcomes)
    {
        lock (_gate)
        {
            var i = 0;
            for (; i < records.Count && outcomes[i] == RecordOutcome.Completed; i++)
            {
                _offsets.Completed(records[i].Offset.Value);
            }

            return i;
        }
    }

    // The partition's next batch may start only when every record of this one completed. Otherwise nothing behind it
    // runs, as for a single record.
    private void FinishBatch(RecordOutcome[] outcomes)
    {
        var allCompleted = Array.TrueForAll(outcomes, outcome => outcome == RecordOutcome.Completed);
        bool drained;
        lock (_gate)
        {
            _running--;
            if (allCompleted)
            {
                _dispatcher.Complete(RecordKey.Null);
                StartRunnable();
            }

            drained = _isClosing && _running == 0;
        }

        foreach (var outcome in outcomes)
        {
            _context.Finished(outcome == RecordOutcome.Completed);
        }

        if (drained)
        {
            _drained.TrySetResult();
        }
    }
}
