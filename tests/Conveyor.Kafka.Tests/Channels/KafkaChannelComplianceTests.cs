using Conveyor.Channels;
using Conveyor.Compliance.Channels;
using Conveyor.Kafka.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Kafka.Tests.Channels;

/// <summary>
/// A Kafka channel against the test cluster, on a fresh one-partition topic and group per test, so that order is the
/// partition's. Real time: the consumer's commit interval, release back-off and waits for due records run on the clock.
/// </summary>
public sealed class KafkaChannelComplianceTests(KafkaTestCluster cluster) : ChannelCompliance, IClassFixture<KafkaTestCluster>
{
    private readonly List<ServiceProvider> _services = [];

    protected override bool UsesFakeClock => false;

    protected override async Task<IReceivingChannel> CreateChannelAsync(TimeProvider time)
    {
        var topic = await cluster.CreateTopicAsync(1, purpose: "compliance");
        var services = ConveyorOnKafka.Build(cluster, c => c.AddKafkaChannel("compliance", topic, groupId: $"g-{topic}"), s => s.AddSingleton(time));
        _services.Add(services);
        services.GetRequiredService<IChannelRegistry>().TryGet("compliance", out var channel).ShouldBeTrue();
        return (IReceivingChannel)channel;
    }

    protected override async Task CleanupAsync()
    {
        foreach (var services in _services)
        {
            await services.DisposeAsync();
        }
    }
}
