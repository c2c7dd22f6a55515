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
            collection.AddSingleton(embedded).AddSingleton<IKafkaTopicCreator>(embedded);
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

    /// <summary>
    /// Runs a consumer until <paramref name="condition"/> holds (e.g. the handler saw what a retry or resend appended,
    /// which a stop-when-empty run may stop before), then stops it gracefully.
    /// </summary>
    public static async Task<ConsumerRunResult> RunUntil(this IServiceProvider services, string name, Func<bool> condition, string? what = null)
    {
        using var stop = new CancellationTokenSource();
        var run = services.GetRequiredService<IConsumerRunner>().RunAsync(name, cancellationToken: stop.Token);
        try
        {
            await Eventually.Until(() => condition() || run.IsCompleted, what ?? $"consumer {name} reached the expected state");
        }
        finally
        {
            await stop.CancelAsync();
        }

        var result = await run.WaitAsync(Eventually.DefaultTimeout);
        condition().ShouldBeTrue($"consumer {name} stopped ({result.StopReason}) before reaching the expected state");
        return result;
    }

    public static Task<ConsumerRunResult> RunUntilEmpty(this IServiceProvider services, string name, TimeSpan? timeout = null) =>
        services.GetRequiredService<IConsumerRunner>()
            .RunAsync(name, new ConsumerRunOptions { StopWhenEmpty = true })
            .WaitAsync(timeout ?? TimeSpan.FromSeconds(60));
}
