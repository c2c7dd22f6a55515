using Conveyor.Compliance.Channels.Dynamic;
using Conveyor.Kafka.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Kafka.Tests.Channels;

/// <summary>Every dynamic channel strategy over Kafka sub-channels of the test cluster, each on a fresh topic and group.</summary>
public sealed class KafkaDynamicChannelTests(KafkaTestCluster cluster) : DynamicChannelScenarios, IClassFixture<KafkaTestCluster>
{
    private readonly string _run = Guid.NewGuid().ToString("N")[..8];

    protected override TimeSpan Timeout => TimeSpan.FromSeconds(60);

    // A sub-channel's first take may come before its pull consumer joined its group.
    protected override bool TakesAtOnce => false;

    protected override void AddSubChannel(ConveyorBuilder conveyor, string name) =>
        conveyor.AddKafkaChannel(name, topic: $"dynamic-{name}-{_run}", groupId: $"g-dynamic-{name}-{_run}");

    protected override Task<IServiceProvider> BuildAsync(Action<IServiceCollection> services, Action<ConveyorBuilder> conveyor) =>
        Task.FromResult<IServiceProvider>(ConveyorOnKafka.Build(cluster, conveyor, services));
}
