using System.Collections.Concurrent;
using Confluent.Kafka;
using Conveyor.Kafka.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Conveyor.Kafka.Tests.ConsumerEngine;

/// <summary>
/// Records deleted before the group read them. The embedded cluster (librdkafka's mock) keeps at most 5 MiB of records
/// per partition (<see cref="EmbeddedKafkaCluster.MaxPartitionLogBytes"/>), a limit it has no setting for; 7 records of
/// 900 kB pass it in well under a second.
/// </summary>
public sealed class RetentionGapTests(KafkaTestCluster kafka) : IClassFixture<KafkaTestCluster>
{
    public sealed class Seen
    {
        public ConcurrentQueue<long> Offsets { get; } = new();
    }

    public sealed class Archive(Seen seen)
    {
        [KafkaConsumer("archive", "set-by-test")]
        public void On(byte[] body, [Header("kafka_offset")] long offset) => seen.Offsets.Enqueue(offset);
    }

    [EmbeddedKafkaFact]
    public async Task Bug_RecordsDeletedBeforeTheGroupReadThem_AreReportedWithAWarningNamingThePartitionAndCount()
    {
        var topic = await kafka.CreateTopicAsync(1);
        var seen = new Seen();
        var logs = new CapturingLoggerProvider();
        await using var services = ConveyorOnKafka.Build(
            kafka,
            c => c.AddHandler<Archive>(),
            s => s.AddSingleton(seen).AddLogging(b => b.AddProvider(logs)),
            o => o.Consumers["archive"] = new KafkaChannelOptions { Topic = topic, GroupId = $"g-{topic}" });
        var config = kafka.ProducerConfig();
        config.MessageMaxBytes = 2_000_000;
        using var producer = new ProducerBuilder<byte[]?, byte[]?>(config).Build();
        await producer.ProduceAsync(topic, new Message<byte[]?, byte[]?> { Value = "first"u8.ToArray() });
        await services.RunUntilEmpty("archive");
        seen.Offsets.ShouldBe([0L]);

        for (var i = 0; i < 7; i++)
        {
            await producer.ProduceAsync(topic, new Message<byte[]?, byte[]?> { Value = new byte[900_000] });
        }

        long logStart;
        using (var reader = new ConsumerBuilder<byte[]?, byte[]?>(kafka.ConsumerConfig($"reader-{topic}")).Build())
        {
            logStart = reader.QueryWatermarkOffsets(new TopicPartition(topic, 0), TimeSpan.FromSeconds(10)).Low.Value;
        }

        logStart.ShouldBeGreaterThan(1, "the cluster deleted records the group had not read");
        await services.RunUntilEmpty("archive");

        seen.Offsets.Skip(1).First().ShouldBe(logStart, "the consumer jumped to the log start");
        var warning = logs.Entries.Where(e => e.EventId == 3124).ShouldHaveSingleItem();
        warning.Level.ShouldBe(LogLevel.Warning);
        warning.Message.ShouldContain($"{topic} [0]");
        warning.Message.ShouldContain($"{logStart - 1} records were deleted");
    }
}
