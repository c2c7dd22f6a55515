using Conveyor.Compliance.Distributed;
using Conveyor.Kafka.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Kafka.Tests.Distributed;

/// <summary>
/// The distributed bus's rules over Kafka: one topic per service, read by one consumer group per consuming service,
/// the three hosts on the test cluster.
/// </summary>
public sealed class KafkaDistributedBusTests(KafkaTestCluster cluster) : DistributedBusCompliance, IClassFixture<KafkaTestCluster>
{
    protected override void AddTransportServices(IServiceCollection services)
    {
        if (cluster.Embedded is { } embedded)
        {
            services.AddSingleton(embedded).AddSingleton<IKafkaTopicCreator>(embedded);
        }
    }

    protected override void AddServiceChannel(ConveyorBuilder conveyor, string channel, string service)
    {
        conveyor.UseKafka(o =>
        {
            o.BootstrapServers = cluster.BootstrapServers;
            o.CreateMissingTopics = true;
            o.DefaultPartitions = 3;
            o.Consuming.CommitInterval = TimeSpan.FromMilliseconds(100);
            foreach (var (key, value) in cluster.ConsumerConfig("unused").Where(c => c.Key is "session.timeout.ms" or "heartbeat.interval.ms"))
            {
                o.Consumer[key] = value;
            }
        });
        conveyor.AddKafkaChannel(channel, topic: channel, groupId: $"{service}-{TestId}");
    }
}
