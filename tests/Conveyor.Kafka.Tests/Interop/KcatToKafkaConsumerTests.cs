using System.Collections.Concurrent;
using System.Text;
using Conveyor.Kafka.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Kafka.Tests.Interop;

/// <summary>
/// kcat, a client that knows nothing of Conveyor, writes records (keys, headers, any value bytes) that
/// <c>[KafkaConsumer]</c> handlers consume as text, bytes and typed JSON, with Kafka metadata bound to parameters.
/// </summary>
public sealed class KcatToKafkaConsumerTests(KafkaTestCluster cluster) : IClassFixture<KafkaTestCluster>
{
    public sealed record Lead(string LeadId, string Company, int Score);

    public sealed record TextDelivery(string Payload, string Topic, int Partition, long Offset, DateTimeOffset Timestamp, string Key, string Tenant, string? Trace);

    public sealed class Received
    {
        public ConcurrentQueue<TextDelivery> Texts { get; } = new();

        public ConcurrentQueue<(byte[] Payload, string Key, MessageHeaders Headers)> Bytes { get; } = new();

        public ConcurrentQueue<(Lead Lead, string? Key, string? Source)> Leads { get; } = new();

        public ConcurrentQueue<string> Json { get; } = new();
    }

    public sealed class TextConsumer(Received received)
    {
        [KafkaConsumer("interop.text", "configured-per-test")]
        public void Handle(
            string payload,
            [Header("kafka_topic")] string topic,
            [Header("kafka_partition")] int partition,
            [Header("kafka_offset")] long offset,
            [Header("kafka_timestamp")] DateTimeOffset timestamp,
            [Header("kafka_key")] string key,
            [Header("tenant")] string tenant,
            [Header("trace")] string? trace) =>
            received.Texts.Enqueue(new TextDelivery(payload, topic, partition, offset, timestamp, key, tenant, trace));
    }

    public sealed class BytesConsumer(Received received)
    {
        [KafkaConsumer("interop.bytes", "configured-per-test")]
        public void Handle(byte[] payload, [Header("kafka_key")] string key, MessageHeaders headers) => received.Bytes.Enqueue((payload, key, headers));
    }

    public sealed class LeadConsumer(Received received)
    {
        [KafkaConsumer("interop.leads", "configured-per-test")]
        public void Handle(Lead lead, [Header("kafka_key")] string? key, [Header("source")] string? source) => received.Leads.Enqueue((lead, key, source));
    }

    public sealed class JsonTextConsumer(Received received)
    {
        [KafkaConsumer("interop.json-text", "configured-per-test")]
        public void Handle(string payload) => received.Json.Enqueue(payload);
    }

    [Fact]
    public async Task StringHandler_GetsTheValueAsText_AndTopicPartitionOffsetTimestampKeyAndHeadersBound()
    {
        var topic = await cluster.CreateTopicAsync(3);
        var before = DateTimeOffset.UtcNow;
        for (var i = 0; i < 3; i++)
        {
            await Kcat.ProduceAsync(cluster, topic, Encoding.UTF8.GetBytes($"lead {i} accepted ✓"), key: $"lead-{i}", headers: [("tenant", "acme"), ("trace", $"t-{i}")], partition: 1);
        }

        await Kcat.ProduceAsync(cluster, topic, "no trace"u8.ToArray(), key: "lead-3", headers: [("tenant", "globex")], partition: 2);
        var after = DateTimeOffset.UtcNow;
        var received = await RunAsync<TextConsumer>("interop.text", topic);

        received.Texts.Count.ShouldBe(4);
        var partitionOne = received.Texts.Where(t => t.Partition == 1).OrderBy(t => t.Offset).ToList();
        partitionOne.Select(t => t.Payload).ShouldBe(["lead 0 accepted ✓", "lead 1 accepted ✓", "lead 2 accepted ✓"]);
        partitionOne.Select(t => t.Offset).ShouldBe([0L, 1L, 2L]);
        partitionOne.Select(t => t.Key).ShouldBe(["lead-0", "lead-1", "lead-2"]);
        partitionOne.Select(t => t.Trace).ShouldBe(["t-0", "t-1", "t-2"]);
        partitionOne.ShouldAllBe(t => t.Tenant == "acme" && t.Topic == topic);
        var other = received.Texts.Single(t => t.Partition == 2);
        other.ShouldBe(new TextDelivery("no trace", topic, 2, 0, other.Timestamp, "lead-3", "globex", null));
        foreach (var text in received.Texts)
        {
            text.Timestamp.ShouldBeInRange(before.AddSeconds(-1), after.AddSeconds(1), "kafka_timestamp is the record's create time, set by kcat");
        }
    }

    [Fact]
    public async Task Bug_ForeignRecordsSharingTheirProducersIdHeader_AreAllHandled()
    {
        var topic = await cluster.CreateTopicAsync(1);
        for (var i = 0; i < 3; i++)
        {
            await Kcat.ProduceAsync(cluster, topic, Encoding.UTF8.GetBytes($"version {i}"), key: "entity-42", headers: [("id", "entity-42"), ("tenant", "acme"), ("trace", $"t-{i}")]);
        }

        var received = await RunAsync<TextConsumer>("interop.text", topic);

        received.Texts.Select(t => t.Payload).ShouldBe(["version 0", "version 1", "version 2"], "a foreign producer's own id header is not a Conveyor message id: nothing is skipped as a duplicate");
    }

    [Fact]
    public async Task BytesHandler_GetsTheExactValueBytes()
    {
        var topic = await cluster.CreateTopicAsync(1);
        var value = Enumerable.Range(0, 256).Select(i => (byte)i).Concat("\n\r\0 trailing"u8.ToArray()).ToArray();
        await Kcat.ProduceAsync(cluster, topic, value, key: "blob-1", headers: [("contentType", "application/octet-stream"), ("origin", "scanner")]);

        var received = await RunAsync<BytesConsumer>("interop.bytes", topic);

        var (payload, key, headers) = received.Bytes.Single();
        payload.ShouldBe(value);
        key.ShouldBe("blob-1");
        headers.Get("origin").ShouldBe("scanner");
        headers.Get("kafka_offset").ShouldBe("0");
    }

    [Fact]
    public async Task TypedHandler_GetsTheRecordFromJson_WrittenWithAKeyDelimiter()
    {
        var topic = await cluster.CreateTopicAsync(3);
        await Kcat.ProduceKeyedLinesAsync(cluster, topic,
        [
            """lead-1:{"leadId":"lead-1","company":"Acme","score":70}""",
            """lead-2:{"LeadId":"lead-2","Company":"Globex","Score":35}""",
        ]);
        await Kcat.ProduceAsync(cluster, topic, """{"leadId":"lead-3","company":"Initech","score":99}"""u8.ToArray(), headers: [("source", "partner-x")]);

        var received = await RunAsync<LeadConsumer>("interop.leads", topic);

        received.Leads.OrderBy(l => l.Lead.LeadId).ShouldBe(
        [
            (new Lead("lead-1", "Acme", 70), "lead-1", null),
            (new Lead("lead-2", "Globex", 35), "lead-2", null),
            (new Lead("lead-3", "Initech", 99), null, "partner-x"),
        ]);
    }

    [Fact]
    public async Task Bug_StringHandlerRejectedJsonRecordsWithAJsonContentType()
    {
        var topic = await cluster.CreateTopicAsync(1);
        const string json = """{"leadId":"lead-9","company":"Umbrella","score":12}""";
        await Kcat.ProduceAsync(cluster, topic, Encoding.UTF8.GetBytes(json), key: "lead-9", headers: [("contentType", "application/json")]);
        await Kcat.ProduceAsync(cluster, topic, "\"a JSON string\""u8.ToArray(), headers: [("contentType", "application/json")]);

        var received = await RunAsync<JsonTextConsumer>("interop.json-text", topic);

        received.Json.ShouldBe([json, "a JSON string"]);
    }

    private async Task<Received> RunAsync<THandler>(string endpoint, string topic)
        where THandler : class
    {
        var received = new Received();
        await using var services = ConveyorOnKafka.Build(
            cluster,
            c => c.AddHandler<THandler>(),
            s => s.AddSingleton(received),
            o => o.Consumers[endpoint] = new KafkaChannelOptions { Topic = topic, GroupId = $"g-{topic}" });
        var result = await services.RunUntilEmpty(endpoint);
        result.Failed.ShouldBe(0, $"no record of {topic} failed");
        return received;
    }
}
