using Conveyor;
using Conveyor.Hosting;
using Conveyor.Kafka;
using Conveyor.Kafka.Embedded;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
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
    /// <remarks>
    /// The service publishes its cluster in a discovery file, and a <c>conveyor</c> command of the same application
    /// (<c>dotnet run -- conveyor dlq list</c>) connects to it instead of starting an empty cluster of its own: see
    /// <see cref="EmbeddedKafkaOptions.ConnectToRunning"/>. <see cref="EmbeddedKafkaOptions.BootstrapServers"/> uses a
    /// cluster hosted by the <c>conveyor-kafka</c> tool instead.
    /// </remarks>
    /// <param name="builder">The Conveyor builder.</param>
    /// <param name="configure">Changes the cluster's options.</param>
    /// <returns>The builder.</returns>
    public static ConveyorBuilder UseEmbeddedKafka(this ConveyorBuilder builder, Action<EmbeddedKafkaOptions>? configure = null)
    {
        builder.UseKafka();
        var options = new EmbeddedKafkaOptions();
        configure?.Invoke(options);
        options.Validate();

        // Decided on first use, not here: RunWithConveyorAsync marks a conveyor command after the host was built.
        builder.Services.TryAddSingleton(sp => EmbeddedKafkaConnection.Open(
            options,
            sp.GetService<ConveyorInvocation>(),
            sp.GetService<IHostEnvironment>(),
            sp.GetRequiredService<ILoggerFactory>(),
            Console.Error));
        builder.Services.TryAddSingleton(sp => sp.GetRequiredService<EmbeddedKafkaConnection>().Cluster
            ?? throw new InvalidOperationException(
                "This process uses an embedded Kafka cluster that runs in another process (the running service's, or one set with "
                + "EmbeddedKafkaOptions.BootstrapServers): it has no EmbeddedKafkaCluster to inject faults into."));

        // The embedded cluster does not serve CreateTopics: missing topics are created through the connection, by the
        // cluster's own API when it runs here, else by its automatic topic creation.
        builder.Services.TryAddSingleton(sp => sp.GetRequiredService<EmbeddedKafkaConnection>().AsTopicCreator());
        builder.Services.AddOptions<KafkaOptions>().PostConfigure<EmbeddedKafkaConnection>((kafka, connection) =>
        {
            kafka.BootstrapServers = connection.BootstrapServers;
            kafka.CreateMissingTopics = true;
            kafka.Consumer.TryAdd("session.timeout.ms", "2000");
            kafka.Consumer.TryAdd("heartbeat.interval.ms", "500");
        });
        return builder;
    }
}
