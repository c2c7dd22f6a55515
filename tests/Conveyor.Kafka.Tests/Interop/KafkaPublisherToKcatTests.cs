using System.Text.Json;
using Conveyor.Kafka.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Kafka.Tests.Interop;

/// <summary>
/// A named publisher (seed: <c>KafkaPublisherConfiguration</c>) writes records that kcat, a client that knows nothing
/// of Conveyor, reads back: key, value and headers as a foreign consumer sees them.
/// </summary>
public sealed class KafkaPublisherToKcatTests(KafkaTestCluster cluster) : IClassFixture<KafkaTestCluster>
{
    [Message("partner_x.lead.accepted")]
    public sealed record LeadAccepted(string LeadId, string Company, decimal Value);

    /// <summary>How an application gets a named publisher: constructor injection by its reference name.</summary>
    public sealed class PartnerNotifier([FromKeyedServices("partner_x_publisher")] IKafkaPublisher publisher)
    {
        public Task<KafkaDeliveryResult> AcceptedAsync(LeadAccepted lead) =>
            publisher.SendAsync(lead, new Dictionary<string, string> { [MessageHeaderNames.PartitionKey] = lead.LeadId, ["partner"] = "x", ["tenant"] = "acme" });
    }

    [Fact]
    public async Task Object_IsWrittenAsJson_WithThePartitionKeyAsKey_AndContentTypeIdAndUserMetadataAsHeaders()
    {
        var topic = await cluster.CreateTopicAsync(3);
        await using var services = Build(topic, s => s.AddSingleton<PartnerNotifier>());

        var delivery = await services.GetRequiredService<PartnerNotifier>().AcceptedAsync(new LeadAccepted("lead-42", "Acme", 1250.5m));

        var record = (await Kcat.ConsumeAllAsync(cluster, topic)).ShouldHaveSingleItem();
        (record.Topic, record.Partition, record.Offset).ShouldBe((delivery.Topic, delivery.Partition, delivery.Offset));
        record.Key.ShouldBe("lead-42");
        record.Partition.ShouldBe(JavaPartitioner.Partition("lead-42", 3));
        JsonDocument.Parse(record.Payload!).RootElement.GetRawText().ShouldBe("""{"leadId":"lead-42","company":"Acme","value":1250.5}""");
        record.Header("contentType").ShouldBe("application/json");
        Guid.TryParse(record.Header("id"), out _).ShouldBeTrue($"id header '{record.Header("id")}' is a UUID");
        record.Header("correlationId").ShouldBe(record.Header("id"));
        record.Header("messageName").ShouldBe("partner_x.lead.accepted");
        record.Header("partner").ShouldBe("x");
        record.Header("tenant").ShouldBe("acme");
        record.Header("partitionKey").ShouldBe("lead-42");
        record.Headers.ShouldNotContain(h => h.Key.StartsWith("conveyor.", StringComparison.Ordinal), "no Conveyor bookkeeping leaks to a foreign consumer");
        record.Headers.Select(h => h.Key).ShouldBeUnique();
    }

    [Fact]
    public async Task RawString_IsWrittenAsIs_WithItsContentType_AndTheMessageIdAsKey()
    {
        var topic = await cluster.CreateTopicAsync(3);
        await using var services = Build(topic);
        var publisher = services.GetRequiredKeyedService<IKafkaPublisher>("partner_x_publisher");
        const string xml = """<lead id="7" company="Globex">ünïcødé</lead>""";

        var delivery = await publisher.SendAsync(xml, "application/xml", new Dictionary<string, string> { ["schema"] = "lead-v1" });

        var record = (await Kcat.ConsumeAllAsync(cluster, topic)).ShouldHaveSingleItem();
        (record.Partition, record.Offset).ShouldBe((delivery.Partition, delivery.Offset));
        record.Payload.ShouldBe(xml);
        record.Header("contentType").ShouldBe("application/xml");
        record.Header("schema").ShouldBe("lead-v1");
        record.Key.ShouldBe(record.Header("id"), "without a partition key the message id is the key");
        record.Header("messageName").ShouldBeNull("raw text has no message name");
    }

    [Fact]
    public async Task Bug_SendingBytesOrRawTextRecursedUntilTheStackOverflowed()
    {
        var topic = await cluster.CreateTopicAsync(1);
        await using var services = Build(topic);
        var publisher = services.GetRequiredKeyedService<IKafkaPublisher>("partner_x_publisher");
        var bytes = Enumerable.Range(0, 256).Select(i => (byte)(255 - i)).ToArray();

        var delivery = await publisher.SendAsync(bytes.AsMemory(), "application/vnd.partner-x.lead+avro", new Dictionary<string, string> { [MessageHeaderNames.PartitionKey] = "blob-key" });

        (await Kcat.ReadValueAsync(cluster, topic, delivery.Partition, delivery.Offset)).ShouldBe(bytes);
        var record = (await Kcat.ConsumeAllAsync(cluster, topic)).ShouldHaveSingleItem();
        record.Key.ShouldBe("blob-key");
        record.Header("contentType").ShouldBe("application/vnd.partner-x.lead+avro");
        record.Header("id").ShouldNotBeNullOrEmpty();
    }

    [Fact]
    public async Task SeveralSends_AreReadInOrder_WithTheOffsetsTheAcknowledgementsReported()
    {
        var topic = await cluster.CreateTopicAsync(2);
        await using var services = Build(topic);
        var publisher = services.GetRequiredKeyedService<IKafkaPublisher>("partner_x_publisher");

        var deliveries = new List<KafkaDeliveryResult>();
        for (var i = 0; i < 5; i++)
        {
            deliveries.Add(await publisher.SendAsync(new LeadAccepted($"lead-{i}", "Acme", i), new Dictionary<string, string> { [MessageHeaderNames.PartitionKey] = "one-customer" }));
        }

        deliveries.Select(d => d.Partition).Distinct().ShouldHaveSingleItem();
        deliveries.Select(d => d.Offset).ShouldBe([0L, 1L, 2L, 3L, 4L]);
        var records = await Kcat.ConsumeAllAsync(cluster, topic);
        records.Select(r => (r.Partition, r.Offset)).ShouldBe(deliveries.Select(d => (d.Partition, d.Offset)));
        records.Select(r => JsonDocument.Parse(r.Payload!).RootElement.GetProperty("leadId").GetString()).ShouldBe(Enumerable.Range(0, 5).Select(i => $"lead-{i}"));
        records.ShouldAllBe(r => r.Key == "one-customer");
    }

    private ServiceProvider Build(string topic, Action<IServiceCollection>? services = null) =>
        ConveyorOnKafka.Build(cluster, c => c.AddKafkaPublisher("partner_x_publisher", topic), services);
}
