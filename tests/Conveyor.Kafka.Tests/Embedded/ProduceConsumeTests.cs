using System.Text;
using Confluent.Kafka;
using Conveyor.Kafka.Tests.Infrastructure;

namespace Conveyor.Kafka.Tests.Embedded;

/// <summary>Plain Confluent.Kafka clients against the test cluster (embedded, or real with KAFKA_BOOTSTRAP_SERVERS).</summary>
public sealed class ProduceConsumeTests(KafkaTestCluster kafka) : IClassFixture<KafkaTestCluster>
{
    private const int RecordCount = 120;
    private const int FirstConsumerCount = 50;

    [Fact]
    public async Task Produce_KeysAndHeaders_ConsumerGroupCommits_SecondMemberResumesAfterCommittedOffsets()
    {
        var topic = await kafka.CreateTopicAsync(partitions: 3);
        var groupId = "group-" + Guid.NewGuid().ToString("N");

        using (var producer = new ProducerBuilder<string, string>(kafka.ProducerConfig()).Build())
        {
            for (var i = 0; i < RecordCount; i++)
            {
                producer.Produce(topic, new Message<string, string>
                {
                    Key = $"key-{i % 10}",
                    Value = i.ToString(System.Globalization.CultureInfo.InvariantCulture),
                    Headers = new Headers { { "sequence", BitConverter.GetBytes(i) }, { "source", "test"u8.ToArray() } },
                });
            }

            producer.Flush(Eventually.DefaultTimeout).ShouldBe(0, "records still undelivered");
        }

        List<ConsumeResult<string, string>> first;
        using (var consumer = new ConsumerBuilder<string, string>(kafka.ConsumerConfig(groupId)).Build())
        {
            consumer.Subscribe(topic);
            first = Eventually.Consume(consumer, FirstConsumerCount);
            consumer.Commit(); // the positions of exactly the records consumed so far
            consumer.Close();
        }

        List<ConsumeResult<string, string>> second;
        using (var consumer = new ConsumerBuilder<string, string>(kafka.ConsumerConfig(groupId)).Build())
        {
            consumer.Subscribe(topic);
            second = Eventually.Consume(consumer, RecordCount - FirstConsumerCount);
            consumer.Close();
        }

        var all = first.Concat(second).ToList();
        all.Select(r => Sequence(r)).Order().ShouldBe(Enumerable.Range(0, RecordCount), "every record exactly once across both members");
        foreach (var record in all)
        {
            record.Message.Key.ShouldBe($"key-{Sequence(record) % 10}");
            record.Message.Value.ShouldBe(Sequence(record).ToString(System.Globalization.CultureInfo.InvariantCulture));
            Encoding.UTF8.GetString(record.Message.Headers.GetLastBytes("source")).ShouldBe("test");
        }

        foreach (var key in all.GroupBy(r => r.Message.Key))
        {
            key.Select(Sequence).ShouldBeInOrder(SortDirection.Ascending, $"records of {key.Key} in production order");
        }
    }

    private static int Sequence(ConsumeResult<string, string> record) =>
        BitConverter.ToInt32(record.Message.Headers.GetLastBytes("sequence"));
}
