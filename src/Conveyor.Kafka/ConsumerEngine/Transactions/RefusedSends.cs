using Confluent.Kafka;
using Conveyor.Kafka.Publishing;

namespace Conveyor.Kafka.ConsumerEngine.Transactions;

/// <summary>
/// The records of an exactly-once consumer whose handling made a send the broker refused for good (too large for the
/// topic, an invalid record), kept across the consumer's runs. Such a refusal aborts the whole transaction — librdkafka
/// allows no commit after a failed send — so the record would run again from the last committed offsets, hit the same
/// refusal and abort again, forever. The next attempt of a record found here fails that send with the refusal instead of
/// sending it again: its failure policy (a delayed retry, then the dead letter) applies, and commits with its offset.
/// </summary>
/// <remarks>
/// Bounded: a record is removed once the transaction of its replayed attempt committed, and at most
/// <see cref="Capacity"/> are kept (the oldest is forgotten first: one whose partition went to another instance never
/// comes back here). Forgetting one costs one more abort, not a loss: the next refusal registers it again.
/// </remarks>
internal sealed class RefusedSends
{
    /// <summary>How many refused records are remembered at most.</summary>
    public const int Capacity = 1024;

    // Each record with the number of its addition; the queue holds the additions in order, also those since removed or
    // added again (a stale one is skipped when it is dequeued), so that it stays as bounded as the dictionary.
    private readonly Dictionary<(string Topic, int Partition, long Offset), (RefusedSend Refusal, long Added)> _byRecord = [];
    private readonly Queue<((string Topic, int Partition, long Offset) Record, long Added)> _order = new();
    private long _added;

    /// <summary>Remembers that handling <paramref name="record"/> made a send the broker refused for good.</summary>
    public void Add(TopicPartitionOffset record, RefusedSend refusal)
    {
        var key = Key(record);
        lock (_byRecord)
        {
            var added = ++_added;
            _byRecord[key] = (refusal, added);
            _order.Enqueue((key, added));
            while (_order.Count > Capacity && _order.TryDequeue(out var oldest))
            {
                if (_byRecord.TryGetValue(oldest.Record, out var entry) && entry.Added == oldest.Added)
                {
                    _byRecord.Remove(oldest.Record);
                }
            }
        }
    }

    /// <summary>The refusal an earlier attempt of <paramref name="record"/> met, if any.</summary>
    public RefusedSend? Find(TopicPartitionOffset record)
    {
        lock (_byRecord)
        {
            return _byRecord.TryGetValue(Key(record), out var entry) ? entry.Refusal : null;
        }
    }

    /// <summary>The record's replayed attempt committed: it is settled.</summary>
    public void Remove(TopicPartitionOffset record)
    {
        lock (_byRecord)
        {
            _byRecord.Remove(Key(record));
        }
    }

    private static (string, int, long) Key(TopicPartitionOffset record) => (record.Topic, record.Partition.Value, record.Offset.Value);
}

/// <summary>A send of a payload of <paramref name="Bytes"/> bytes to <paramref name="Topic"/> that the broker refused for good, with its error.</summary>
internal sealed record RefusedSend(string Topic, int Bytes, KafkaPublishException Error)
{
    /// <summary>
    /// Whether the broker refused the record itself, so that sending it again can only be refused again: too large for
    /// the topic (<c>max.message.bytes</c>) or the broker (<c>message.max.bytes</c>), or an invalid record. Transient and
    /// cluster-wide errors (timeouts, authorisation, a missing topic) are not: they are not this record's fault.
    /// </summary>
    public static bool IsFinal(KafkaPublishException error) => error.InnerException is KafkaException
    {
        Error.Code: ErrorCode.MsgSizeTooLarge or ErrorCode.RecordListTooLarge or ErrorCode.InvalidMsgSize
            or ErrorCode.InvalidMsg or ErrorCode.InvalidRecord or ErrorCode.InvalidTimestamp or ErrorCode.PolicyViolation,
    };

    /// <summary>
    /// Whether a send of <paramref name="bytes"/> to <paramref name="topic"/> would meet this refusal again: any send to
    /// that topic, except a smaller one after a size refusal — such as the excerpt a dead letter too large for its topic
    /// falls back to, which the broker can accept.
    /// </summary>
    public bool Refuses(string topic, int bytes) =>
        string.Equals(topic, Topic, StringComparison.Ordinal) && (bytes >= Bytes || !KafkaSender.IsTooLarge(Error));

    /// <summary>The failure a replayed send of <paramref name="messageId"/> to <see cref="Topic"/> meets instead of the broker.</summary>
    public KafkaPublishException Replay(string? messageId) => new(
        $"Message {messageId} was not written to topic '{Topic}': the broker refused this record's send to it in an earlier attempt, "
        + $"whose transaction aborted ({Error.Message}). It is not sent again; the record's failure policy applies.",
        Error.InnerException ?? Error);
}
