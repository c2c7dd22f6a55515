using Confluent.Kafka;

namespace Conveyor.Kafka.ConsumerEngine;

/// <summary>
/// Notices records deleted before this group read them: when a partition's committed offset lies below the log start
/// offset (retention, or the embedded cluster's size limits, removed them), the consumer jumps ahead by
/// <c>auto.offset.reset</c> without an error. The committed offsets are read once per assignment; the first record
/// of each partition is then compared with the log start offset librdkafka cached from the fetch, without another
/// request. Used only on the poll thread.
/// </summary>
internal sealed class RetentionGapDetector(ConsumerRunContext context)
{
    private static readonly TimeSpan CommittedTimeout = TimeSpan.FromSeconds(5);
    private readonly Dictionary<TopicPartition, long> _committed = [];

    public void Assigned(IConsumer<byte[]?, byte[]?> consumer, IReadOnlyList<TopicPartition> partitions)
    {
        try
        {
            foreach (var committed in consumer.Committed(partitions, CommittedTimeout))
            {
                if (committed.Offset.Value >= 0)
                {
                    _committed[committed.TopicPartition] = committed.Offset.Value;
                }
            }
        }
        catch (KafkaException exception)
        {
            Log.RetentionCheckFailed(context.Logger, Describe.Partitions(partitions), exception);
        }
    }

    public void Removed(IEnumerable<TopicPartition> partitions)
    {
        foreach (var partition in partitions)
        {
            _committed.Remove(partition);
        }
    }

    /// <summary>Checks the first record of a partition fetched since its assignment; cheap for every other record.</summary>
    public void Fetched(IConsumer<byte[]?, byte[]?> consumer, ConsumeResult<byte[]?, byte[]?> record)
    {
        if (_committed.Count == 0 || !_committed.Remove(record.TopicPartition, out var committed) || record.Offset.Value <= committed)
        {
            return;
        }

        var logStart = consumer.GetWatermarkOffsets(record.TopicPartition).Low.Value;
        if (logStart > committed)
        {
            Log.RecordsDeletedUnread(context.Logger, record.Topic, record.Partition.Value, committed, logStart, logStart - committed);
        }
    }
}
