using System.Collections.Concurrent;
using Conveyor.Kafka.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace Conveyor.Kafka.Tests.Observability;

/// <summary>
/// Conveyor's metrics after a scripted run on Kafka, read with OpenTelemetry's in-memory exporter: one message handled,
/// one that fails once and succeeds on its delayed retry, one that goes straight to the dead letter. In the
/// <see cref="MetricsCollection"/>: no other test's application may be disposed while these read the meter.
/// </summary>
[Collection(MetricsCollection.Name)]
public sealed class MetricsTests(KafkaTestCluster cluster) : IClassFixture<KafkaTestCluster>
{
    // A name no other test's application uses: the meter is the process's, and other tests' applications record
    // at the same time, so every point is read for this channel.
    private const string Channel = "observability-billing";

    public sealed record Charge(string Id);

    public sealed class CardDeclinedForGood(string id) : Exception($"card of {id} declined for good"), INonRetryableException;

    public sealed class Script
    {
        public ConcurrentQueue<string> Succeeded { get; } = new();

        public ConcurrentQueue<string> Failed { get; } = new();
    }

    public sealed class Billing(Script script)
    {
        [Asynchronous(Channel)]
        [CommandHandler(EndpointId = "billing.charge")]
        [DelayedRetry(1, InitialDelayMs = 200)]
        public void Handle(Charge charge)
        {
            if (charge.Id == "poison")
            {
                script.Failed.Enqueue(charge.Id);
                throw new CardDeclinedForGood(charge.Id);
            }

            if (charge.Id == "flaky" && !script.Failed.Contains("flaky"))
            {
                script.Failed.Enqueue(charge.Id);
                throw new TimeoutException("the card network timed out");
            }

            script.Succeeded.Enqueue(charge.Id);
        }
    }

    [Fact]
    public async Task ScriptedRun_OneRetryOneDeadLetter_RecordsEachMetric()
    {
        var exported = new Exported<MetricSnapshot>();
        using var metrics = Sdk.CreateMeterProviderBuilder().AddConveyorInstrumentation().AddInMemoryExporter(exported).Build();
        var topic = await cluster.CreateTopicAsync(1);
        var script = new Script();
        await using var services = ConveyorOnKafka.Build(
            cluster, c => c.AddHandler<Billing>().AddKafkaChannel(Channel, topic, $"g-{topic}"), s => s.AddSingleton(script));
        var bus = services.GetRequiredService<ICommandBus>();
        foreach (var id in new[] { "ok", "poison", "flaky" })
        {
            await bus.SendAsync(new Charge(id), new Dictionary<string, string> { [MessageHeaderNames.PartitionKey] = id });
        }

        await services.RunUntil(Channel, () => script.Succeeded.Count == 2 && script.Failed.Count == 2, "ok and flaky succeeded, poison and flaky's first attempt failed");
        metrics.ForceFlush().ShouldBeTrue();

        var consumed = Points(exported, "messaging.client.consumed.messages");
        Sum(consumed, "conveyor.outcome", "handled").ShouldBe(2);
        Sum(consumed, "conveyor.outcome", "retried").ShouldBe(1);
        Sum(consumed, "conveyor.outcome", "failed").ShouldBe(1);
        consumed.ShouldAllBe(p => Tag(p, "conveyor.endpoint") == "billing.charge" && Tag(p, "messaging.system") == "kafka");

        Points(exported, "messaging.process.duration").Sum(p => p.GetHistogramCount()).ShouldBe(4);
        Points(exported, "messaging.process.duration").ShouldAllBe(p => p.GetHistogramSum() > 0);

        var retries = Points(exported, "conveyor.retries");
        retries.Sum(p => p.GetSumLong()).ShouldBe(1);
        Tag(retries.Single(), "conveyor.retry.kind").ShouldBe("delayed");
        Tag(retries.Single(), "error.type").ShouldBe(typeof(TimeoutException).FullName);

        var deadLetters = Points(exported, "conveyor.dead_letters");
        deadLetters.Sum(p => p.GetSumLong()).ShouldBe(1);
        Tag(deadLetters.Single(), "error.type").ShouldBe(typeof(CardDeclinedForGood).FullName);

        var sent = Points(exported, "messaging.client.sent.messages");
        Sum(sent, "messaging.operation.name", "send").ShouldBe(3);
        Sum(sent, "messaging.operation.name", "retry").ShouldBe(1);
        Sum(sent, "messaging.operation.name", "dead_letter").ShouldBe(1);

        Points(exported, "conveyor.messages.in_flight").Sum(p => p.GetSumLong()).ShouldBe(0);
    }

    [Fact]
    public async Task ConsumerLag_PerPartition_IsTheHighWatermarkMinusTheCommittedOffset()
    {
        var exported = new Exported<MetricSnapshot>();
        using var metrics = Sdk.CreateMeterProviderBuilder().AddConveyorInstrumentation().AddInMemoryExporter(exported).Build();
        var topic = await cluster.CreateTopicAsync(2);
        // The gauge reads again at most every LagRefreshInterval (15 s by default): a first read that fails or finds
        // the topic's metadata incomplete under a loaded machine would hold the answer back past the deadline.
        await using var services = ConveyorOnKafka.Build(
            cluster,
            c => c.AddHandler<Billing>().AddKafkaChannel(Channel, topic, $"g-{topic}"),
            s => s.AddSingleton(new Script()).PostConfigure<ConveyorOptions>(o => o.LagRefreshInterval = TimeSpan.FromMilliseconds(100)));
        var bus = services.GetRequiredService<ICommandBus>();
        foreach (var id in new[] { "a", "b", "c", "d", "e" })
        {
            await bus.SendAsync(new Charge(id));
        }

        // The gauge never waits on the broker: an observation starts a read, a later one reports it.
        List<MetricPoint> lag = [];
        await Eventually.Until(
            () =>
            {
                metrics.ForceFlush();
                lag = Latest(exported, "conveyor.consumer.lag", p => Tag(p, "conveyor.channel") == Channel && Tag(p, "messaging.destination.name") == topic);
                return lag.Count == 2;
            },
            "the lag gauge reported both partitions of the channel's topic");

        lag.Sum(p => p.GetGaugeLastValueLong()).ShouldBe(5, "nothing was consumed: every record counts");
        lag.Select(p => Tag(p, "messaging.destination.partition.id")).Order().ShouldBe(["0", "1"]);
        var read = await services.GetRequiredService<IChannelLagReader>().ReadAsync(Channel);
        read.Partitions.Where(p => p.Source == topic).Sum(p => p.Lag).ShouldBe(5);
        read.Partitions.Where(p => p.Source == topic).ShouldAllBe(p => p.Committed == null && p.End != null);
    }

    private static List<MetricPoint> Points(Exported<MetricSnapshot> exported, string name) =>
        Latest(exported, name, p => Tag(p, "messaging.destination.name") == Channel);

    // An application disposed earlier in the process retired the stream its instruments shared with others (see
    // MetricsCollection), and applications created later start a new one: one flush can export several streams of one
    // name. The newest stream holding this test's points is the one to read, not the newest stream of that name.
    private static List<MetricPoint> Latest(Exported<MetricSnapshot> exported, string name, Func<MetricPoint, bool> mine)
    {
        var snapshot = exported.Snapshot().LastOrDefault(m => m.Name == name && m.MetricPoints.Any(mine));
        return snapshot is null ? [] : [.. snapshot.MetricPoints.Where(mine)];
    }

    private static long Sum(List<MetricPoint> points, string tag, string value) => points.Where(p => Tag(p, tag) == value).Sum(p => p.GetSumLong());

    private static string? Tag(MetricPoint point, string name)
    {
        foreach (var tag in point.Tags)
        {
            if (tag.Key == name)
            {
                return tag.Value?.ToString();
            }
        }

        return null;
    }
}
