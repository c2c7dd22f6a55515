using Conveyor.Failures.DeadLetters;
using Conveyor.Kafka.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Kafka.Tests.Channels;

/// <summary>
/// A channel's retry and dead-letter topics are created by the consumer's start, with as many partitions as the topic
/// they serve. Reading the channel's lag or dead letters before that (an admin page, <c>conveyor lag</c>, the lag gauge
/// a metrics exporter observes for every application in the process) must not create them: a cluster that creates
/// topics a Metadata request names (Kafka's <c>auto.create.topics.enable</c>, the embedded cluster) would give them
/// its own partition count, and the consumer's start would then find them existing with it.
/// </summary>
public sealed class TopicsCreatedOnlyByTheirCreatorTests(KafkaTestCluster cluster) : IClassFixture<KafkaTestCluster>
{
    public sealed record Reserve(string Sku);

    public sealed record Remind(string Sku);

    public sealed class Stock
    {
        [Asynchronous("stock")]
        [CommandHandler(EndpointId = "stock.reserve")]
        public void Handle(Reserve command)
        {
        }

        [Asynchronous("stock")]
        [CommandHandler(EndpointId = "stock.remind")]
        [Delayed(60_000)]
        public void Handle(Remind command)
        {
        }
    }

    [Fact]
    public async Task Bug_ReadingLagAndDeadLetters_BeforeTheConsumerStarts_CreatesNoTopic_SoTheStartCreatesThemWithTheTopicsPartitions()
    {
        var topic = await cluster.CreateTopicAsync(1);
        var retryTopic = $"{topic}.g-{topic}.retry";
        var deadLetterTopic = $"{topic}.dead-letter";
        await using var services = ConveyorOnKafka.Build(cluster, c => c.AddHandler<Stock>().AddKafkaChannel("stock", topic, $"g-{topic}"));
        await services.GetRequiredService<ICommandBus>().SendAsync(new Reserve("a"));

        var lag = await services.GetRequiredService<IKafkaLag>().GetLagAsync("stock");
        var perChannel = await services.GetRequiredService<IChannelLagReader>().ReadAsync("stock");
        var deadLetters = await services.GetRequiredService<IDeadLetters>().ListAsync();

        lag.ShouldHaveSingleItem().ShouldBe(new PartitionLag($"g-{topic}", topic, 0, null, 0, 1), "the retry topic does not exist yet: it has no lag");
        perChannel.Error.ShouldBeNull();
        perChannel.Partitions.ShouldHaveSingleItem().Source.ShouldBe(topic);
        deadLetters.Items.ShouldBeEmpty();
        var before = cluster.ListTopics();
        before.ShouldNotContainKey(retryTopic, "reading the lag created the retry topic");
        before.ShouldNotContainKey(deadLetterTopic, "reading the dead letters created the dead-letter topic");

        await services.RunUntilEmpty("stock");

        var after = cluster.ListTopics();
        after.GetValueOrDefault(retryTopic).ShouldBe(1, "the consumer's start created the retry topic with the topic's partitions");
        after.GetValueOrDefault(deadLetterTopic).ShouldBe(1, "the consumer's start created the dead-letter topic with the topic's partitions");
        (await services.GetRequiredService<IKafkaLag>().GetLagAsync("stock")).Select(p => (p.Topic, p.Partition, p.Lag))
            .ShouldBe([(topic, 0, 0L), (retryTopic, 0, 0L)], ignoreOrder: true);
    }

    [Fact]
    public async Task Bug_ADelayedSendBeforeTheConsumerStarts_CreatesTheRetryTopicWithTheTopicsPartitions()
    {
        var topic = await cluster.CreateTopicAsync(1);
        var retryTopic = $"{topic}.g-{topic}.retry";
        await using var services = ConveyorOnKafka.Build(cluster, c => c.AddHandler<Stock>().AddKafkaChannel("stock", topic, $"g-{topic}"));

        // Due in a minute: it waits in the group's retry topic, which this send creates (DefaultPartitions is 3 here).
        await services.GetRequiredService<ICommandBus>().SendAsync(new Remind("a"));

        cluster.ListTopics().GetValueOrDefault(retryTopic).ShouldBe(1, "the retry topic has as many partitions as the topic it serves");
        var lag = await services.GetRequiredService<IKafkaLag>().GetLagAsync("stock");
        lag.Single(p => p.Topic == retryTopic).HighWatermark.ShouldBe(1, "the reminder waits there");
    }
}
