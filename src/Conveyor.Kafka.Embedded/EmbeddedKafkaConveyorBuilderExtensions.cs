using Conveyor;
using Conveyor.Kafka;
using Conveyor.Kafka.Embedded;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>The embedded Kafka-protocol cluster for Conveyor: <c>UseEmbeddedKafka</c>.</summary>
public static class EmbeddedKafkaConveyorBuilderExtensions
{
    /// <summary>
    /// Uses an embedded Kafka-protocol cluster (librdkafka's mock cluster) started in-process: for development, demos
    /// and tests, with no infrastructure. It is not a production broker: its data lives in memory and is lost on exit.
    /// Missing topics are created; consumer session timeouts are shortened because the embedded coordinator holds
    /// each rebalance for the session timeout.
    /// </summary>
    /// <param name="builder">The Conveyor builder.</param>
    /// <param name="configure">Changes the cluster's options.</param>
    /// <returns>The builder.</returns>
    public static ConveyorBuilder UseEmbeddedKafka(this ConveyorBuilder builder, Action<EmbeddedKafkaOptions>? configure = null)
    {
        builder.UseKafka();
        var options = new EmbeddedKafkaOptions();
        configure?.Invoke(options);
        options.Validate();
        builder.Services.TryAddSingleton(sp =>
        {
            var cluster = EmbeddedKafkaCluster.Start(options);
            Log.EmbeddedStarted(sp.GetRequiredService<ILogger<EmbeddedKafkaCluster>>(), cluster.BootstrapServers, cluster.BrokerCount);
            return cluster;
        });

        // The embedded cluster does not serve CreateTopics: missing topics are created through the cluster itself.
        builder.Services.TryAddSingleton<IKafkaTopicCreator>(sp => sp.GetRequiredService<EmbeddedKafkaCluster>());
        builder.Services.AddOptions<KafkaOptions>().PostConfigure<EmbeddedKafkaCluster>((kafka, cluster) =>
        {
            kafka.BootstrapServers = cluster.BootstrapServers;
            kafka.CreateMissingTopics = true;
            kafka.Consumer.TryAdd("session.timeout.ms", "2000");
            kafka.Consumer.TryAdd("heartbeat.interval.ms", "500");
        });
        return builder;
    }
}
