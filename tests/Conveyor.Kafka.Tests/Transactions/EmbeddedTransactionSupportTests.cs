using Confluent.Kafka;
using Conveyor.Kafka.Tests.Infrastructure;
using Conveyor.Kafka.Tests.Support;

namespace Conveyor.Kafka.Tests.Transactions;

/// <summary>
/// What librdkafka's mock cluster (the embedded cluster) does with transactions, pinned so that docs/embedded-kafka.md
/// ("Known limits") stays true: when an upgrade changes it, this fails, and the exactly-once tests can prove more.
/// </summary>
public sealed class EmbeddedTransactionSupportTests(KafkaTestCluster kafka) : IClassFixture<KafkaTestCluster>
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(20);

    [EmbeddedKafkaFact]
    public async Task MockCluster_RunsTransactions_ButHidesNoAbortedOrOpenRecord_StoresNoTransactionalOffset_FencesNoZombie()
    {
        var topic = await kafka.CreateTopicAsync(partitions: 1);
        var source = await kafka.CreateTopicAsync(partitions: 1, purpose: "source");
        var group = "g-" + Guid.NewGuid().ToString("N");
        var config = kafka.ProducerConfig();
        config.TransactionalId = "tx-" + Guid.NewGuid().ToString("N");
        KafkaTestData.Produce(kafka, source, partition: 0, count: 10);
        using var member = new ConsumerBuilder<Ignore, Ignore>(kafka.ConsumerConfig(group)).Build();
        member.Subscribe(source);
        member.Consume(Timeout).ShouldNotBeNull("the member joined its group (group metadata for the transaction)");

        using var first = new ProducerBuilder<Null, string>(config).Build();
        first.InitTransactions(Timeout);
        await Transaction(first, topic, "committed", commit: true, () => first.SendOffsetsToTransaction([new TopicPartitionOffset(source, 0, 3)], member.ConsumerGroupMetadata, Timeout));
        await Transaction(first, topic, "aborted", commit: false, null);
        first.BeginTransaction();
        await first.ProduceAsync(topic, new Message<Null, string> { Value = "open" });

        ReadCommitted(topic).ShouldBe(["committed", "aborted", "open"], "read_committed: the aborted and the still open records are read, the open one at once (no last stable offset)");
        Committed(group, source).ShouldBe(Offset.Unset, "offsets sent to a committed transaction are not stored for the group");

        // A second producer with the same transactional id: on a broker, the first one's commit now fails (fenced).
        using var second = new ProducerBuilder<Null, string>(config).Build();
        second.InitTransactions(Timeout);
        Should.NotThrow(() => first.CommitTransaction(Timeout), "the mock cluster does not fence the earlier producer");
    }

    private static async Task Transaction(IProducer<Null, string> producer, string topic, string value, bool commit, Action? offsets)
    {
        producer.BeginTransaction();
        await producer.ProduceAsync(topic, new Message<Null, string> { Value = value });
        offsets?.Invoke();
        if (commit)
        {
            producer.CommitTransaction(Timeout);
        }
        else
        {
            producer.AbortTransaction(Timeout);
        }
    }

    private List<string> ReadCommitted(string topic)
    {
        var config = kafka.ConsumerConfig("reader-" + Guid.NewGuid().ToString("N"));
        config.IsolationLevel = IsolationLevel.ReadCommitted;
        config.EnablePartitionEof = true;
        using var consumer = new ConsumerBuilder<Ignore, string>(config).Build();
        consumer.Assign(new TopicPartitionOffset(topic, 0, Offset.Beginning));
        var values = new List<string>();
        var deadline = DateTime.UtcNow + Timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (consumer.Consume(TimeSpan.FromMilliseconds(200)) is not { } record)
            {
                continue;
            }

            if (record.IsPartitionEOF)
            {
                return values;
            }

            values.Add(record.Message.Value);
        }

        throw new TimeoutException($"{topic} was not read to its end");
    }

    private Offset Committed(string group, string topic)
    {
        using var consumer = new ConsumerBuilder<Ignore, Ignore>(kafka.ConsumerConfig(group)).Build();
        return consumer.Committed([new TopicPartition(topic, 0)], Timeout).Single().Offset;
    }
}
