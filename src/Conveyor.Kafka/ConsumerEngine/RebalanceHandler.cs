using Confluent.Kafka;

namespace Conveyor.Kafka.ConsumerEngine;

/// <summary>
/// The consumer's rebalance callbacks. They run on the poll thread inside Consume or Close; exceptions are
/// logged here, because thrown ones would surface from Consume as application errors.
/// </summary>
internal sealed class RebalanceHandler(
    AssignedPartitions partitions,
    OffsetCommitter committer,
    FlowControl flow,
    GuardedObserver observer,
    RetentionGapDetector retentionGaps,
    StartPositions startPositions,
    ConsumerRunContext context,
    Transactions.KafkaTransactions? transactions = null)
{
    /// <summary>
    /// Sets up the assigned partitions' workers and returns where each starts reading (see <see cref="StartPositions"/>);
    /// librdkafka's default for every partition if anything here fails.
    /// </summary>
    public IEnumerable<TopicPartitionOffset> OnAssigned(IConsumer<byte[]?, byte[]?> consumer, List<TopicPartition> assigned)
    {
        var start = StartPositions.Default(assigned);
        Guard(nameof(OnAssigned), () =>
        {
            Log.PartitionsAssigned(context.Logger, Describe.Partitions(assigned));
            partitions.Add(assigned);
            var committed = startPositions.ReadCommitted(consumer, assigned);
            retentionGaps.Assigned(committed);
            start = startPositions.Of(assigned, committed);
            flow.AssignmentChanged();
            observer.PartitionsAssigned(assigned);
        });
        return start;
    }

    /// <summary>
    /// Lets the revoked partitions' running records finish (cancelling them after the revoke grace period),
    /// then commits what finished, while this consumer still owns the partitions.
    /// </summary>
    public void OnRevoked(IConsumer<byte[]?, byte[]?> consumer, List<TopicPartitionOffset> revoked)
    {
        Guard(nameof(OnRevoked), () =>
        {
            var revokedPartitions = revoked.ConvertAll(offset => offset.TopicPartition);
            Log.PartitionsRevoked(context.Logger, Describe.Partitions(revokedPartitions));
            var workers = partitions.Remove(revokedPartitions);
            retentionGaps.Removed(revokedPartitions);
            PartitionDrain.CloseAndWait(workers, context.Options.RevokeGracePeriod, context.Time, context.Logger);
            committer.CommitRevoked(consumer, workers, partitions.Workers);
            observer.PartitionsRevoked(revokedPartitions);
        });
    }

    /// <summary>The partitions already belong to another member: cancel at once and commit nothing.</summary>
    public void OnLost(IConsumer<byte[]?, byte[]?> consumer, List<TopicPartitionOffset> lost)
    {
        Guard(nameof(OnLost), () =>
        {
            var lostPartitions = lost.ConvertAll(offset => offset.TopicPartition);
            Log.PartitionsLost(context.Logger, Describe.Partitions(lostPartitions));
            retentionGaps.Removed(lostPartitions);
            foreach (var worker in partitions.Remove(lostPartitions))
            {
                worker.Abort();
            }

            transactions?.AbortOnLost();

            observer.PartitionsLost(lostPartitions);
        });
    }

    private void Guard(string callback, Action action)
    {
        try
        {
            action();
        }
#pragma warning disable CA1031 // Thrown from a rebalance callback, it would break the Consume call.
        catch (Exception exception)
#pragma warning restore CA1031
        {
            Log.RebalanceFailed(context.Logger, callback, exception);
        }
    }
}
