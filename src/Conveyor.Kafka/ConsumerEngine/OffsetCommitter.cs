using Confluent.Kafka;
using Microsoft.Extensions.Logging;

namespace Conveyor.Kafka.ConsumerEngine;

/// <summary>
/// Commits finished offsets in batches: when <see cref="KafkaConsumerOptions.CommitInterval"/> passed or
/// <see cref="KafkaConsumerOptions.CommitBatchSize"/> records finished, never once per record (Wolverine
/// #3134), and on demand on revoke and shutdown. Runs on the poll thread; a failed commit is retried with
/// the next batch.
/// </summary>
internal sealed class OffsetCommitter(ConsumerRunContext context, GuardedObserver observer)
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

    /// <summary>Commits what the workers finished; <paramref name="stopping"/> for the last commit before the consumer closes, which nothing retries.</summary>
    public void Commit(IConsumer<byte[]?, byte[]?> consumer, IEnumerable<PartitionWorker> workers, bool stopping = false)
    {
        _lastCommit = context.Time.GetTimestamp();
        context.ResetCompletedSinceCommit();

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
}
