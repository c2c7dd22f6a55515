using Conveyor.Channels;
using Conveyor.Compliance;
using Conveyor.Failures.DeadLetters;
using Conveyor.Kafka.Tests.Infrastructure;
using Conveyor.Runtime;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Kafka.Tests.Failures;

/// <summary>A Kafka channel's dead-letter topic as its channel configures it, on a fresh topic per store.</summary>
public sealed class KafkaDeadLetterTopicComplianceTests(KafkaTestCluster cluster) : DeadLetterStoreCompliance, IClassFixture<KafkaTestCluster>, IAsyncLifetime
{
    private readonly List<ServiceProvider> _services = [];

    protected override async Task<IDeadLetterStore> CreateStoreAsync()
    {
        var topic = await cluster.CreateTopicAsync(1, purpose: "compliance");

        // Three partitions: the listing order must not depend on which partition a dead letter landed on.
        var deadLetterTopic = await cluster.CreateTopicAsync(3, purpose: "compliancedeadletters");
        var services = ConveyorOnKafka.Build(cluster, c => c.AddKafkaChannel("orders", topic, $"g-{topic}", o => o.DeadLetterTopic = deadLetterTopic));
        _services.Add(services);
        var channel = (IReceivingChannel)services.GetRequiredService<ConveyorRuntime>().Channels["orders"];
        return channel.DeadLetters.ShouldNotBeNull();
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var services in _services)
        {
            await services.DisposeAsync();
        }
    }
}
