using Confluent.Kafka;

namespace Conveyor.Kafka.ConsumerEngine;

/// <summary>
/// Notices records deleted before this group read them: when a partition's committed offset lies below the log start
/// offset (retention, or the embedded cluster's size limits, removed them), the consumer jumps ahead by
/// <c>auto.offset.reset</c> without an error. The committed offsets are read once per assignment (by
/// <see cref="StartPositions"/>); the first record of each partition is then compared with the log start offset
/// librdkafka cached from the fetch, without another request. Used only on the poll thread.
/// </summary>
internal sealed class RetentionGapDetector(ConsumerRunContext context)
{
    private readonly Dictionary<TopicPartition, long> _committed = [];

    /// <summary>Remembers the committed offsets of a new assignment (null when they could not be read: nothing is checked).</summary>
    public void Assigned(IReadOnlyList<TopicPartitionOffset>? committed)
    {
        foreach (var offset in committed ?? [])
        {
            if (offset.Offset.Value >= 0)
            {
                _committed[offset.TopicPartition] = offset.Offset.Value;
            }
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
