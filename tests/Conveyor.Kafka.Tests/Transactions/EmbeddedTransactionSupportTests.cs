using System.Text;
using Confluent.Kafka;
using Conveyor.Kafka.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Conveyor.Kafka.Tests.Transactions;

public sealed class EmbeddedTransactionSupportTests(KafkaTestCluster kafka, ITestOutputHelper output) : IClassFixture<KafkaTestCluster>
{
    [Fact]
    public async Task Explore()
    {
        var topic = await kafka.CreateTopicAsync(partitions: 1);
        var source = await kafka.CreateTopicAsync(partitions: 1, purpose: "source");
        var group = "g-" + Guid.NewGuid().ToString("N");
        var txid = "tx-" + Guid.NewGuid().ToString("N");
        var config = kafka.ProducerConfig();
        config.TransactionalId = txid;
        using (var plain = new ProducerBuilder<string?, string>(kafka.ProducerConfig()).Build())
        {
            for (var i = 0; i < 10; i++) plain.Produce(source, new Message<string?, string> { Value = "s" + i });
            plain.Flush(TimeSpan.FromSeconds(10));
        }

        // Group metadata needs a consumer that joined the group.
        using var groupConsumer = new ConsumerBuilder<string?, string>(kafka.ConsumerConfig(group)).Build();
        groupConsumer.Subscribe(source);
        var first = groupConsumer.Consume(TimeSpan.FromSeconds(20));
        output.WriteLine($"group consumer got {first?.Offset}");

        var p1 = new ProducerBuilder<string?, string>(config).Build();
        p1.InitTransactions(TimeSpan.FromSeconds(20));
        p1.BeginTransaction();
        for (var i = 0; i < 3; i++) await p1.ProduceAsync(topic, new Message<string?, string> { Value = "committed-" + i });
        p1.SendOffsetsToTransaction([new TopicPartitionOffset(source, 0, 3)], groupConsumer.ConsumerGroupMetadata, TimeSpan.FromSeconds(20));
        p1.CommitTransaction(TimeSpan.FromSeconds(20));
        output.WriteLine("committed 1");

        p1.BeginTransaction();
        for (var i = 0; i < 3; i++) await p1.ProduceAsync(topic, new Message<string?, string> { Value = "aborted-" + i });
        p1.SendOffsetsToTransaction([new TopicPartitionOffset(source, 0, 6)], groupConsumer.ConsumerGroupMetadata, TimeSpan.FromSeconds(20));
        p1.AbortTransaction(TimeSpan.FromSeconds(20));
        output.WriteLine("aborted");

        p1.BeginTransaction();
        for (var i = 0; i < 3; i++) await p1.ProduceAsync(topic, new Message<string?, string> { Value = "open-" + i });
        p1.SendOffsetsToTransaction([new TopicPartitionOffset(source, 0, 9)], groupConsumer.ConsumerGroupMetadata, TimeSpan.FromSeconds(20));
        output.WriteLine("open transaction left");

        Dump(topic, IsolationLevel.ReadCommitted, "while open");
        Committed(group, source, "while open");

        // A new instance with the same transactional id: fences p1, aborts its open transaction.
        using var p2 = new ProducerBuilder<string?, string>(config).Build();
        p2.InitTransactions(TimeSpan.FromSeconds(30));
        output.WriteLine("p2 initialised");
        try
        {
            p1.BeginTransaction();
            p1.Produce(topic, new Message<string?, string> { Value = "zombie" });
            p1.CommitTransaction(TimeSpan.FromSeconds(10));
            output.WriteLine("zombie committed!");
        }
        catch (KafkaException e)
        {
            output.WriteLine($"zombie: {e.Error.Code} fatal={e.Error.IsFatal} {e.Error.Reason}");
        }
        p1.Dispose();

        p2.BeginTransaction();
        await p2.ProduceAsync(topic, new Message<string?, string> { Value = "after" });
        p2.CommitTransaction(TimeSpan.FromSeconds(20));

        Dump(topic, IsolationLevel.ReadCommitted, "read_committed");
        Dump(topic, IsolationLevel.ReadUncommitted, "read_uncommitted");
        Committed(group, source, "final");
    }

    private void Committed(string group, string source, string label)
    {
        var c = kafka.ConsumerConfig(group + "-reader");
        c.GroupId = group;
        c.IsolationLevel = IsolationLevel.ReadCommitted;
        using var consumer = new ConsumerBuilder<string?, string>(c).Build();
        var committed = consumer.Committed([new TopicPartition(source, 0)], TimeSpan.FromSeconds(20));
        output.WriteLine($"{label}: committed offset {committed.Single().Offset}");
    }

    private void Dump(string topic, IsolationLevel level, string label)
    {
        var c = kafka.ConsumerConfig("r-" + Guid.NewGuid().ToString("N"));
        c.IsolationLevel = level;
        c.EnablePartitionEof = true;
        using var consumer = new ConsumerBuilder<string?, string>(c).Build();
        consumer.Assign(new TopicPartitionOffset(topic, 0, Offset.Beginning));
        var values = new List<string>();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            var r = consumer.Consume(TimeSpan.FromMilliseconds(500));
            if (r is null) continue;
            if (r.IsPartitionEOF) { values.Add($"<EOF@{r.Offset}>"); break; }
            values.Add($"{r.Offset}:{r.Message.Value}");
        }
        var wm = consumer.QueryWatermarkOffsets(new TopicPartition(topic, 0), TimeSpan.FromSeconds(5));
        output.WriteLine($"{label} ({level}): {string.Join(", ", values)}; watermarks {wm.Low}-{wm.High}");
    }
}
