using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Conveyor.Kafka.ConsumerEngine;

/// <summary>
/// Commits finished offsets in batches: when <see cref="KafkaConsumerOptions.CommitInterval"/> passed or
/// <see cref="KafkaConsumerOptions.CommitBatchSize"/> records finished, never once per record (Wolverine
/// #3134), and on demand on revoke and shutdown. Runs on the poll thread; a failed commit is retried with
/// the next batch. With exactly-once (<paramref name="transactions"/>) the offsets commit in the consumer's Kafka
/// transaction, with what the records wrote.
/// </summary>
internal sealed class OffsetCommitter(ConsumerRunContext context, GuardedObserver observer, Transactions.KafkaTransactions? transactions = null)
{
    private long _lastCommit = context.Time.GetTimestamp();

    public void CommitIfDue(IConsumer<byte[]?, byte[]?> consumer, IEnumerable<PartitionWorker> workers)
    {
        if (context.CompletedSinceCommit >= context.Options.CommitBatchSize
            || context.Time.GetElapsedTime(_lastCommit) >= context.Options.CommitInterval)
        {
            Commit(consumer, workers);
        }
    }

    /// <summary>
    /// On revoke, commits what the revoked partitions' workers finished. A transaction also holds what the records of the
    /// partitions kept wrote, so with exactly-once their finished offsets commit with it.
    /// </summary>
    public void CommitRevoked(IConsumer<byte[]?, byte[]?> consumer, IReadOnlyCollection<PartitionWorker> revoked, IReadOnlyCollection<PartitionWorker> kept) =>
        Commit(consumer, transactions is null ? revoked : [.. revoked, .. kept]);

    /// <summary>Commits what the workers finished; <paramref name="stopping"/> for the last commit before the consumer closes, which nothing retries.</summary>
    public void Commit(IConsumer<byte[]?, byte[]?> consumer, IEnumerable<PartitionWorker> workers, bool stopping = false)
    {
        _lastCommit = context.Time.GetTimestamp();
        context.ResetCompletedSinceCommit();
        if (transactions is not null)
        {
            CommitInTransaction(consumer, workers);
            return;
        }

        var due = new List<(PartitionWorker Worker, TopicPartitionOffset Offset)>();
        foreach (var worker in workers)
        {
            if (worker.TryGetOffsetToCommit(out var offset))
            {
                due.Add((worker, offset));
            }
        }

        if (due.Count == 0)
        {
            return;
        }

        var offsets = due.ConvertAll(entry => entry.Offset);
        try
        {
            consumer.Commit(offsets);
        }
        catch (KafkaException exception)
        {
            if (stopping)
            {
                Log.CommitFailedOnStop(context.Logger, Describe.Offsets(offsets), exception);
            }
            else
            {
                Log.CommitFailed(context.Logger, Describe.Offsets(offsets), exception);
            }

            observer.CommitFailed(offsets, exception);
            return;
        }

        foreach (var (worker, offset) in due)
        {
            worker.MarkCommitted(offset.Offset);
        }

        if (context.Logger.IsEnabled(LogLevel.Debug))
        {
            Log.OffsetsCommitted(context.Logger, Describe.Offsets(offsets));
        }

        observer.OffsetsCommitted(offsets);
    }

    // The workers' offsets are read only once no record is inside the transaction: every offset committed is then one
    // whose record's writes are in it, and every record whose writes are in it is finished.
    private void CommitInTransaction(IConsumer<byte[]?, byte[]?> consumer, IEnumerable<PartitionWorker> workers)
    {
        var due = new List<(PartitionWorker Worker, TopicPartitionOffset Offset)>();
        var committed = transactions!.Commit(consumer, () =>
        {
            foreach (var worker in workers)
            {
                if (worker.TryGetOffsetToCommit(out var offset))
                {
                    due.Add((worker, offset));
                }
            }

            return due.ConvertAll(entry => entry.Offset);
        });
        if (committed is null)
        {
            context.RequestStop(null, transactions.Error);
            return;
        }

        foreach (var (worker, offset) in due)
        {
            worker.MarkCommitted(offset.Offset);
        }

        if (committed.Count > 0)
        {
            if (context.Logger.IsEnabled(LogLevel.Debug))
            {
                Log.OffsetsCommitted(context.Logger, Describe.Offsets(committed));
            }

            observer.OffsetsCommitted(committed);
        }
    }
}
