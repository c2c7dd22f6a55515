using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Conveyor.Kafka.Tests.Infrastructure;

/// <summary>Builds a Conveyor service provider against the test cluster (embedded, or the one <c>KAFKA_BOOTSTRAP_SERVERS</c> names).</summary>
internal static class ConveyorOnKafka
{
    public static ServiceProvider Build(KafkaTestCluster cluster, Action<ConveyorBuilder> configure, Action<IServiceCollection>? services = null, Action<KafkaOptions>? kafka = null)
    {
        var collection = new ServiceCollection();
        collection.AddLogging(b => b.SetMinimumLevel(LogLevel.Warning));
        if (cluster.Embedded is { } embedded)
        {
            collection.AddSingleton(embedded);
        }

        services?.Invoke(collection);
        collection.AddConveyor(c =>
        {
            c.UseKafka(o =>
            {
                o.BootstrapServers = cluster.BootstrapServers;
                o.CreateMissingTopics = true;
                o.DefaultPartitions = 3;
                o.Consuming.CommitInterval = TimeSpan.FromMilliseconds(100);
                foreach (var (key, value) in cluster.ConsumerConfig("unused"))
                {
                    if (key is "session.timeout.ms" or "heartbeat.interval.ms")
                    {
                        o.Consumer[key] = value;
                    }
                }

                kafka?.Invoke(o);
            });
            configure(c);
        });
        var provider = collection.BuildServiceProvider(new ServiceProviderOptions { ValidateScopes = true });
        provider.GetRequiredService<Runtime.ConveyorRuntime>();
        return provider;
    }

    public static Task<ConsumerRunResult> RunUntilEmpty(this IServiceProvider services, string name, TimeSpan? timeout = null) =>
        services.GetRequiredService<IConsumerRunner>()
            .RunAsync(name, new ConsumerRunOptions { StopWhenEmpty = true })
            .WaitAsync(timeout ?? TimeSpan.FromSeconds(60));
}
