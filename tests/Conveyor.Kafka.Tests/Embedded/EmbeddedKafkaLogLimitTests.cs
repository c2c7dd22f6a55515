using Confluent.Kafka;
using Conveyor.Kafka.Embedded;

namespace Conveyor.Kafka.Tests.Embedded;

/// <summary>
/// Pins the partition log limit of librdkafka's mock cluster that <see cref="EmbeddedKafkaCluster.MaxPartitionLogBytes"/>
/// documents: beyond it the oldest records are deleted silently, so a consumer that starts afterwards reads fewer records
/// than were produced (the cause of the benchmarks' consume runs of 400,000 records that never finished).
/// </summary>
public sealed class EmbeddedKafkaLogLimitTests
{
    private const int ValueSize = 1000;

    // Small batches, so that the mock deletes the log in small steps and the bytes it keeps can be measured closely.
    private const int BatchSize = 16 * 1024;

    [Fact]
    public void Partition_WithinMaxPartitionLogBytes_KeepsEveryRecord()
    {
        using var cluster = EmbeddedKafkaCluster.Start(new EmbeddedKafkaOptions { BrokerCount = 1 });
        cluster.CreateTopic("within", 1);
        var records = (int)(EmbeddedKafkaCluster.MaxPartitionLogBytes * 0.9 / (ValueSize + 100));

        Produce(cluster, "within", records);

        var (low, high) = Watermarks(cluster, "within");
        low.ShouldBe(0);
        high.ShouldBe(records);
        ConsumeAll(cluster, "within").ShouldBe(records);
    }

    [Fact]
    public void Partition_BeyondMaxPartitionLogBytes_DeletesTheOldestRecordsAndKeepsAboutTheLimit()
    {
        using var cluster = EmbeddedKafkaCluster.Start(new EmbeddedKafkaOptions { BrokerCount = 1 });
        cluster.CreateTopic("beyond", 1);
        var records = 2 * EmbeddedKafkaCluster.MaxPartitionLogBytes / ValueSize;

        Produce(cluster, "beyond", records);

        var (low, high) = Watermarks(cluster, "beyond");
        high.ShouldBe(records);
        low.ShouldBeGreaterThan(0, "the mock cluster kept every record of twice its documented limit");
        var kept = high - low;
        // Each record takes its value plus a few bytes of framing: the bytes kept lie within a batch of the limit.
        (kept * ValueSize).ShouldBeLessThanOrEqualTo(EmbeddedKafkaCluster.MaxPartitionLogBytes);
        (kept * (ValueSize + 64)).ShouldBeGreaterThan(EmbeddedKafkaCluster.MaxPartitionLogBytes - (2 * BatchSize));

        // A consumer that starts now reads from the log start: the deleted records are gone without an error.
        ConsumeAll(cluster, "beyond").ShouldBe(kept);
    }

    private static void Produce(EmbeddedKafkaCluster cluster, string topic, int records)
    {
        using var producer = new ProducerBuilder<Null, byte[]>(new ProducerConfig
        {
            BootstrapServers = cluster.BootstrapServers,
            LingerMs = 5,
            BatchSize = BatchSize,
        }).Build();
        var value = new byte[ValueSize];
        Error? failure = null;
        for (var i = 0; i < records; i++)
        {
            while (true)
            {
                try
                {
                    producer.Produce(topic, new Message<Null, byte[]> { Value = value }, report => failure ??= report.Error.IsError ? report.Error : null);
                    break;
                }
                catch (ProduceException<Null, byte[]> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
                {
                    producer.Poll(TimeSpan.FromMilliseconds(10));
                }
            }
        }

        producer.Flush(TimeSpan.FromSeconds(30)).ShouldBe(0);
        failure.ShouldBeNull();
    }

    private static (long Low, long High) Watermarks(EmbeddedKafkaCluster cluster, string topic)
    {
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig { BootstrapServers = cluster.BootstrapServers, GroupId = "watermarks" }).Build();
        var offsets = consumer.QueryWatermarkOffsets(new TopicPartition(topic, 0), TimeSpan.FromSeconds(10));
        return (offsets.Low.Value, offsets.High.Value);
    }

    private static long ConsumeAll(EmbeddedKafkaCluster cluster, string topic)
    {
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(new ConsumerConfig
        {
            BootstrapServers = cluster.BootstrapServers,
            GroupId = $"{topic}-reader",
            AutoOffsetReset = AutoOffsetReset.Earliest,
            EnableAutoCommit = false,
            EnablePartitionEof = true,
        }).Build();
        consumer.Assign(new TopicPartitionOffset(topic, 0, Offset.Beginning));
        long consumed = 0;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            var result = consumer.Consume(TimeSpan.FromMilliseconds(200));
            if (result is null)
            {
                continue;
            }

            if (result.IsPartitionEOF)
            {
                return consumed;
            }

            consumed++;
        }

        throw new TimeoutException($"Consumed {consumed} records of '{topic}' without reaching its end in 30 s.");
    }
}
