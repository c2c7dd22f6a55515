using Conveyor.Kafka.Embedded;
using Conveyor.Kafka.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Kafka.Tests.Channels;

/// <summary>
/// Several applications on one cluster start at once (the distributed-bus sample runs three): each sees a topic missing,
/// and all but the first find it created when they create it. That is success, on the embedded cluster's topic creator
/// as on the admin client's CreateTopics.
/// </summary>
public sealed class TopicCreationRaceTests(KafkaTestCluster cluster) : IClassFixture<KafkaTestCluster>
{
    public sealed record Restock(string Sku);

    public sealed class Warehouse(Restocked restocked)
    {
        [Asynchronous("restock")]
        [CommandHandler(EndpointId = "warehouse.restock")]
        public void On(Restock command) => restocked.Skus.Add(command.Sku);
    }

    public sealed class Restocked
    {
        public List<string> Skus { get; } = [];
    }

    /// <summary>Another application wins the race for every topic: it creates the topic just before this one does.</summary>
    private sealed class AnotherApplicationFirst(EmbeddedKafkaCluster embedded) : IKafkaTopicCreator
    {
        public int Raced { get; private set; }

        public void CreateTopic(string name, int partitions, int replicationFactor)
        {
            embedded.CreateTopic(name, partitions, replicationFactor);
            Raced++;
            embedded.CreateTopic(name, partitions, replicationFactor);
        }
    }

    [EmbeddedKafkaFact]
    public async Task A_topic_another_application_created_meanwhile_is_used_not_reported_as_a_failure()
    {
        var embedded = cluster.RequireEmbedded();
        var racer = new AnotherApplicationFirst(embedded);
        var topic = $"restock-race-{Guid.NewGuid():N}";
        var restocked = new Restocked();
        await using var services = ConveyorOnKafka.Build(
            cluster,
            c => c.AddHandler<Warehouse>().AddKafkaChannel("restock", topic, $"g-{topic}"),
            s => s.AddSingleton(restocked).AddSingleton<IKafkaTopicCreator>(racer));

        await services.GetRequiredService<ICommandBus>().SendAsync(new Restock("sku-1"));
        var run = await services.GetRequiredService<IConsumerRunner>().RunAsync("restock", new ConsumerRunOptions { StopWhenEmpty = true });

        racer.Raced.ShouldBeGreaterThan(0, "the topics were created through the racing creator");
        run.Finished.ShouldBe(1);
        restocked.Skus.ShouldBe(["sku-1"]);
    }
}
