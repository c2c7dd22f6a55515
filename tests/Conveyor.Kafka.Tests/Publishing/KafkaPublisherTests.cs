using Confluent.Kafka;
using Conveyor.Kafka.Embedded;
using Conveyor.Kafka.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Kafka.Tests.Publishing;

/// <summary>
/// Named publishers report a send only once the broker acknowledged it, with where it was written, and surface a
/// refused or undelivered record to the caller as <see cref="KafkaPublishException"/>. Nothing is reported as sent
/// that is not in the log, and nothing the caller was told failed is in the log.
/// </summary>
public sealed class KafkaPublisherTests(KafkaTestCluster cluster) : IClassFixture<KafkaTestCluster>
{
    public sealed record InvoiceIssued(string InvoiceId, decimal Total);

    public sealed class Nobody
    {
        [Asynchronous("invoices")]
        [EventHandler(EndpointId = "invoices.archive")]
        public void Archive(InvoiceIssued e)
        {
        }
    }

    [Fact]
    public async Task SendAsync_ReturnsTheAcknowledgedTopicPartitionAndOffset_OfTheRecordInTheLog()
    {
        var topic = await cluster.CreateTopicAsync(4);
        await using var services = ConveyorOnKafka.Build(cluster, c => c.AddKafkaPublisher("billing", topic));
        var publisher = services.GetRequiredKeyedService<IKafkaPublisher>("billing");
        publisher.Name.ShouldBe("billing");
        publisher.Topic.ShouldBe(topic);

        var deliveries = new List<(string Id, KafkaDeliveryResult Delivery)>();
        for (var i = 0; i < 20; i++)
        {
            var id = $"inv-{i}";
            deliveries.Add((id, await publisher.SendAsync(new InvoiceIssued(id, i), new Dictionary<string, string> { [MessageHeaderNames.PartitionKey] = id })));
        }

        deliveries.ShouldAllBe(d => d.Delivery.Topic == topic);
        deliveries.Select(d => (d.Delivery.Partition, d.Delivery.Offset)).ShouldBeUnique();
        using var consumer = new ConsumerBuilder<string, string>(cluster.ConsumerConfig($"reader-{topic}")).Build();
        foreach (var (id, delivery) in deliveries)
        {
            consumer.Assign(new TopicPartitionOffset(topic, delivery.Partition, delivery.Offset));
            var record = consumer.Consume(TimeSpan.FromSeconds(10)).ShouldNotBeNull($"the record of {id} at {delivery}");
            record.Message.Key.ShouldBe(id);
            record.Message.Value.ShouldContain($"\"invoiceId\":\"{id}\"");
        }

        HighWatermarks(topic, 4).Sum().ShouldBe(20);
    }

    [EmbeddedKafkaFact]
    public async Task SendAsync_WhenTheBrokerRefusesTheProduceRequest_ThrowsKafkaPublishException_AndNothingIsWritten()
    {
        var embedded = cluster.RequireEmbedded();
        var topic = await cluster.CreateTopicAsync(1);
        await using var services = ConveyorOnKafka.Build(cluster, c => c.AddKafkaPublisher("billing", topic));
        var publisher = services.GetRequiredKeyedService<IKafkaPublisher>("billing");
        await publisher.SendAsync(new InvoiceIssued("warm-up", 1));

        embedded.PushRequestErrors(KafkaApiKey.Produce, ErrorCode.MsgSizeTooLarge);
        var error = await Should.ThrowAsync<KafkaPublishException>(() => publisher.SendAsync(new InvoiceIssued("refused", 2)));

        error.Message.ShouldContain(topic);
        error.Message.ShouldContain(nameof(ErrorCode.MsgSizeTooLarge));
        error.InnerException.ShouldBeOfType<ProduceException<byte[], byte[]>>().Error.Code.ShouldBe(ErrorCode.MsgSizeTooLarge);
        HighWatermarks(topic, 1).ShouldBe([1L], "only the warm-up record is in the log");

        var next = await publisher.SendAsync(new InvoiceIssued("after", 3));
        next.Offset.ShouldBe(1, "the publisher works again and the refused record took no offset");
        (await Kcat.ConsumeAllAsync(cluster, topic)).Select(r => r.Payload).ShouldAllBe(p => !p!.Contains("refused"));
    }

    [EmbeddedKafkaFact]
    public async Task SendAsync_ToATopicTheClusterReportsAsUnauthorized_ThrowsKafkaPublishException()
    {
        var embedded = cluster.RequireEmbedded();
        var topic = await cluster.CreateTopicAsync(1);
        embedded.SetTopicError(topic, ErrorCode.TopicAuthorizationFailed);
        try
        {
            await using var services = ConveyorOnKafka.Build(cluster, c => c.AddKafkaPublisher("billing", topic));
            var publisher = services.GetRequiredKeyedService<IKafkaPublisher>("billing");

            var error = await Should.ThrowAsync<KafkaPublishException>(() => publisher.SendAsync("<invoice/>", "application/xml"));

            error.Message.ShouldContain(topic);
            error.Message.ShouldContain("not written");
        }
        finally
        {
            embedded.SetTopicError(topic, ErrorCode.NoError);
        }

        HighWatermarks(topic, 1).ShouldBe([0L]);
    }

    [EmbeddedKafkaFact]
    public async Task SendAsync_WhenNoBrokerAnswersWithinTheMessageTimeout_ThrowsKafkaPublishException_AndNothingIsWritten()
    {
        var embedded = cluster.RequireEmbedded();
        var topic = await cluster.CreateTopicAsync(1);
        await using var services = ConveyorOnKafka.Build(cluster, c => c.AddKafkaPublisher("billing", topic, o => o.Producer["message.timeout.ms"] = "1500"));
        var publisher = services.GetRequiredKeyedService<IKafkaPublisher>("billing");
        await SendUntilAcknowledgedAsync(publisher, new InvoiceIssued("warm-up", 1));

        embedded.SetBrokerDown(EmbeddedKafkaCluster.AllBrokers);
        KafkaPublishException error;
        try
        {
            error = await Should.ThrowAsync<KafkaPublishException>(() => publisher.SendAsync(new InvoiceIssued("timed-out", 2)));
        }
        finally
        {
            embedded.SetBrokerUp(EmbeddedKafkaCluster.AllBrokers);
        }

        error.InnerException.ShouldBeOfType<ProduceException<byte[], byte[]>>().Error.Code.ShouldBe(ErrorCode.Local_MsgTimedOut);
        error.Message.ShouldContain(topic);

        // The client reconnects with a backoff that may outlast the 1.5 s timeout: send until one is acknowledged.
        // The record that timed out while every broker was down was never sent, so it can never appear later: a record
        // acknowledged after the brokers came back is behind everything this producer wrote before it.
        var after = await SendUntilAcknowledgedAsync(publisher, new InvoiceIssued("after", 3));
        var records = await Kcat.ConsumeAllAsync(cluster, topic);
        records[0].Payload!.ShouldContain("warm-up");
        records.Single(r => r.Offset == after.Offset).Payload!.ShouldContain("after");
        records.ShouldAllBe(r => !r.Payload!.Contains("timed-out"));
    }

    [EmbeddedKafkaFact]
    public async Task Bug_ASendWhoseAcknowledgementTimedOutWasReportedAsNotWritten_ThoughTheBrokerWroteIt()
    {
        var embedded = cluster.RequireEmbedded();
        var topic = await cluster.CreateTopicAsync(1);
        await using var services = ConveyorOnKafka.Build(cluster, c => c.AddKafkaPublisher("billing", topic, o => o.Producer["message.timeout.ms"] = "1000"));
        var publisher = services.GetRequiredKeyedService<IKafkaPublisher>("billing");
        // The first send also fetches metadata and connects, which can outlast the 1 s timeout on a loaded machine.
        await SendUntilAcknowledgedAsync(publisher, new InvoiceIssued("warm-up", 1));
        var before = HighWatermarks(topic, 1)[0];

        // The leader writes the record and answers 3 s later: after the 1 s message timeout.
        embedded.PushBrokerRequestErrors(cluster.GetPartitionLeader(topic, 0), KafkaApiKey.Produce, TimeSpan.FromSeconds(3), ErrorCode.NoError);
        var error = await Should.ThrowAsync<KafkaPublishException>(() => publisher.SendAsync(new InvoiceIssued("late", 2)));

        error.InnerException.ShouldBeOfType<ProduceException<byte[], byte[]>>().Error.Code.ShouldBe(ErrorCode.Local_MsgTimedOut);
        error.Message.ShouldNotContain("was not written");
        error.Message.ShouldContain("may or may not have been written");
        await Eventually.Until(() => HighWatermarks(topic, 1)[0] == before + 1, "the late record is in the log");
        (await Kcat.ConsumeAllAsync(cluster, topic)).Last().Payload!.ShouldContain("late");
    }

    [EmbeddedKafkaFact]
    public async Task PublishAsync_OnAKafkaChannelWhoseTopicRefusesTheRecord_ThrowsToTheCaller()
    {
        var embedded = cluster.RequireEmbedded();
        var topic = await cluster.CreateTopicAsync(1);
        await using var services = ConveyorOnKafka.Build(cluster, c => c.AddHandler<Nobody>().AddKafkaChannel("invoices", topic, groupId: $"g-{topic}"));
        var bus = services.GetRequiredService<IEventBus>();
        await bus.PublishAsync(new InvoiceIssued("warm-up", 1));

        embedded.PushRequestErrors(KafkaApiKey.Produce, ErrorCode.TopicAuthorizationFailed);
        await Should.ThrowAsync<KafkaPublishException>(() => bus.PublishAsync(new InvoiceIssued("refused", 2)).AsTask());

        HighWatermarks(topic, 1).ShouldBe([1L]);
    }

    private static async Task<KafkaDeliveryResult> SendUntilAcknowledgedAsync(IKafkaPublisher publisher, object payload)
    {
        var deadline = DateTime.UtcNow + Eventually.DefaultTimeout;
        while (true)
        {
            try
            {
                return await publisher.SendAsync(payload);
            }
            catch (KafkaPublishException) when (DateTime.UtcNow < deadline)
            {
            }
        }
    }

    private long[] HighWatermarks(string topic, int partitions)
    {
        using var consumer = new ConsumerBuilder<byte[], byte[]>(cluster.ConsumerConfig($"watermarks-{Guid.NewGuid():N}")).Build();
        return [.. Enumerable.Range(0, partitions).Select(p => consumer.QueryWatermarkOffsets(new TopicPartition(topic, p), TimeSpan.FromSeconds(10)).High.Value)];
    }
}
