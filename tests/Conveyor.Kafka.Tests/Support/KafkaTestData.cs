using System.Globalization;
using System.Text;
using Confluent.Kafka;
using Conveyor.Kafka.Tests.Infrastructure;

namespace Conveyor.Kafka.Tests.Support;

/// <summary>Producing test records and reading a group's committed offsets.</summary>
internal static class KafkaTestData
{
    /// <summary>Produces records with the given partition and key each; the value is the record's index.</summary>
    public static void Produce(KafkaTestCluster kafka, string topic, IEnumerable<(int Partition, string? Key)> records)
    {
        using var producer = new ProducerBuilder<byte[]?, byte[]?>(kafka.ProducerConfig()).Build();
        var index = 0;
        foreach (var (partition, key) in records)
        {
            producer.Produce(new TopicPartition(topic, partition), new Message<byte[]?, byte[]?>
            {
                Key = key is null ? null : Encoding.UTF8.GetBytes(key),
                Value = Encoding.UTF8.GetBytes((index++).ToString(CultureInfo.InvariantCulture)),
            });
        }

        producer.Flush(Eventually.DefaultTimeout).ShouldBe(0, "records still undelivered");
    }

    /// <summary>Produces records with the given key, value and partition each, in order.</summary>
    public static void Produce(KafkaTestCluster kafka, string topic, IEnumerable<(string Key, string Value, int Partition)> records)
    {
        using var producer = new ProducerBuilder<byte[]?, byte[]?>(kafka.ProducerConfig()).Build();
        foreach (var (key, value, partition) in records)
        {
            producer.Produce(
                new TopicPartition(topic, partition),
                new Message<byte[]?, byte[]?> { Key = Encoding.UTF8.GetBytes(key), Value = Encoding.UTF8.GetBytes(value) });
        }

        producer.Flush(Eventually.DefaultTimeout).ShouldBe(0, "records still undelivered");
    }

    /// <summary>An order record (<c>{"orderId":"o-i","amount":…}</c>, keyed <c>key-i</c>) as the batch handler tests read it.</summary>
    public static (string Key, string Value, int Partition) Order(int i, decimal? amount = null, int partition = 0) =>
        ($"key-{i}", $$"""{"orderId":"o-{{i}}","amount":{{amount ?? i}}}""", partition);

    public static void Produce(KafkaTestCluster kafka, string topic, int partition, int count, Func<int, string?>? keyOf = null) =>
        Produce(kafka, topic, Enumerable.Range(0, count).Select(i => (partition, keyOf?.Invoke(i))));

    /// <summary>
    /// Reads a partition from its start to its end, as a reader outside any group does (read_committed, the client's
    /// default): returns at the end-of-partition event, fails when that does not come within <see cref="Eventually.DefaultTimeout"/>.
    /// </summary>
    public static List<ConsumeResult<Ignore, TValue>> ReadToEnd<TValue>(KafkaTestCluster kafka, string topic, int partition = 0)
    {
        var config = kafka.ConsumerConfig("reader-" + Guid.NewGuid().ToString("N"));
        config.EnablePartitionEof = true;
        using var consumer = new ConsumerBuilder<Ignore, TValue>(config).Build();
        consumer.Assign(new TopicPartitionOffset(topic, partition, Offset.Beginning));
        var records = new List<ConsumeResult<Ignore, TValue>>();
        var deadline = DateTime.UtcNow + Eventually.DefaultTimeout;
        while (DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is not { } record)
            {
                continue;
            }

            if (record.IsPartitionEOF)
            {
                return records;
            }

            records.Add(record);
        }

        throw new TimeoutException($"{topic} [{partition}] was not read to its end within {Eventually.DefaultTimeout.TotalSeconds:0} s");
    }

    /// <summary>Reads committed offsets of a group without joining it.</summary>
    public static CommittedOffsetReader CommittedOffsets(KafkaTestCluster kafka, string groupId, string topic, int partitions) =>
        new(kafka, groupId, topic, partitions);

    internal sealed class CommittedOffsetReader(KafkaTestCluster kafka, string groupId, string topic, int partitions) : IDisposable
    {
        private readonly IConsumer<Ignore, Ignore> _consumer =
            new ConsumerBuilder<Ignore, Ignore>(kafka.ConsumerConfig(groupId)).Build();

        /// <summary>The committed offset of <paramref name="partition"/>, or -1 when none is committed.</summary>
        public long Of(int partition) => All()[partition];

        public long[] All()
        {
            var committed = _consumer.Committed(
                Enumerable.Range(0, partitions).Select(partition => new TopicPartition(topic, partition)),
                TimeSpan.FromSeconds(10));
            var offsets = new long[partitions];
            foreach (var offset in committed)
            {
                offsets[offset.Partition.Value] = offset.Offset == Offset.Unset ? -1 : offset.Offset.Value;
            }

            return offsets;
        }

        public void Dispose()
        {
            _consumer.Close();
            _consumer.Dispose();
        }
    }
}
