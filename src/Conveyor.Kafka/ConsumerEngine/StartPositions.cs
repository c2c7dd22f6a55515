using Confluent.Kafka;

namespace Conveyor.Kafka.ConsumerEngine;

/// <summary>
/// Where the partitions of a new assignment start reading, decided in the assigned callback from the group's committed
/// offsets (read once per assignment; the <see cref="RetentionGapDetector"/> uses them too).
/// </summary>
/// <remarks>
/// A partition with a committed offset is left to librdkafka, which resumes from that offset. For a partition without
/// one, librdkafka takes the missing offset for an error and looks up the offset <c>auto.offset.reset</c> names only
/// after a 100 ms back-off: every start of a new group, and every partition never committed, waited that long before
/// its first fetch. Such a partition of the consumer's own topics is assigned at that logical offset (beginning or
/// end) instead, which librdkafka looks up at once.
/// <para>
/// Partitions of the <em>deferred</em> topic (a channel's retry topic) keep librdkafka's default on purpose. They are
/// mostly empty, and a fetch that holds only partitions without records waits at the broker for
/// <c>fetch.wait.max.ms</c> (100 ms), while the broker answers the requests of one connection in order: an empty retry
/// partition that became fetchable first held up the offset lookups of the channel's partitions on the same broker
/// behind its fetch, and their first fetch behind the next one — 0.1 to 0.5 s before the first record. Started after
/// the back-off, they join fetches that return records at once. Nothing is skipped: they are read from their committed
/// offset, or by <c>auto.offset.reset</c>, as before.
/// </para>
/// <para>
/// Under exactly-once every partition keeps librdkafka's default: its offsets are committed in transactions, and
/// librdkafka's own lookup waits for one still open to end (<c>UNSTABLE_OFFSET_COMMIT</c>).
/// </para>
/// </remarks>
internal sealed class StartPositions(ConsumerConfig config, string? deferredTopic, bool transactional, ConsumerRunContext context)
{
    private static readonly TimeSpan CommittedTimeout = TimeSpan.FromSeconds(5);

    // Where a partition without a committed offset starts, by auto.offset.reset; Unset leaves it to librdkafka
    // (auto.offset.reset=error, which must raise its error, or exactly-once).
    private readonly Offset _reset = transactional ? Offset.Unset : config.AutoOffsetReset switch
    {
        AutoOffsetReset.Earliest => Offset.Beginning,
        AutoOffsetReset.Latest => Offset.End,
        _ => Offset.Unset,
    };

    /// <summary>Every partition at librdkafka's default (its committed offset, else <c>auto.offset.reset</c>).</summary>
    public static List<TopicPartitionOffset> Default(List<TopicPartition> partitions) =>
        partitions.ConvertAll(partition => new TopicPartitionOffset(partition, Offset.Unset));

    /// <summary>
    /// The group's committed offsets of <paramref name="partitions"/>, or null when they could not be read (logged): then
    /// every partition starts at librdkafka's default and no retention gap is checked.
    /// </summary>
    public List<TopicPartitionOffset>? ReadCommitted(IConsumer<byte[]?, byte[]?> consumer, List<TopicPartition> partitions)
    {
        try
        {
            return consumer.Committed(partitions, CommittedTimeout);
        }
        catch (KafkaException exception)
        {
            Log.CommittedReadFailed(context.Logger, Describe.Partitions(partitions), exception);
            return null;
        }
    }

    /// <summary>Where each of <paramref name="partitions"/> starts, given their <paramref name="committed"/> offsets.</summary>
    public List<TopicPartitionOffset> Of(List<TopicPartition> partitions, List<TopicPartitionOffset>? committed)
    {
        var start = Default(partitions);
        if (_reset == Offset.Unset || committed is null)
        {
            return start;
        }

        var none = committed
            .Where(c => c.Offset == Offset.Unset && c.Topic != deferredTopic)
            .Select(c => c.TopicPartition)
            .ToHashSet();
        for (var i = 0; i < start.Count; i++)
        {
            if (none.Contains(start[i].TopicPartition))
            {
                start[i] = new TopicPartitionOffset(start[i].TopicPartition, _reset);
            }
        }

        return start;
    }
}
