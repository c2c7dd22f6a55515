using System.Reflection;
using Confluent.Kafka;
using Conveyor.Hosting;
using Conveyor.Kafka.Embedded.Discovery;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Conveyor.Kafka.Embedded;

/// <summary>
/// The embedded cluster an application on <c>UseEmbeddedKafka</c> talks to: one it started in this process (the service's,
/// published through a discovery file, or a command's fresh one), or one in another process (the running service's, found
/// through its discovery file, or the <c>conveyor-kafka</c> tool's). Creates missing topics on either.
/// </summary>
internal sealed class EmbeddedKafkaConnection : IKafkaTopicCreator, IDisposable
{
    private static readonly TimeSpan MetadataTimeout = TimeSpan.FromSeconds(10);

    private readonly PublishedDiscoveryFile? discoveryFile;
    private readonly ILogger logger;

    private EmbeddedKafkaConnection(string bootstrapServers, EmbeddedKafkaCluster? cluster, PublishedDiscoveryFile? discoveryFile, ILogger logger)
    {
        BootstrapServers = bootstrapServers;
        Cluster = cluster;
        this.discoveryFile = discoveryFile;
        this.logger = logger;
    }

    /// <summary>The cluster's <c>bootstrap.servers</c>.</summary>
    public string BootstrapServers { get; }

    /// <summary>The cluster when it runs in this process; <see langword="null"/> when it runs in another one.</summary>
    public EmbeddedKafkaCluster? Cluster { get; }

    /// <summary>Where this process published its cluster, if it did.</summary>
    public string? DiscoveryFile => discoveryFile?.Path;

    /// <summary>
    /// Decides where the cluster is: <see cref="EmbeddedKafkaOptions.BootstrapServers"/> when set; else, in a
    /// <c>conveyor</c> command (or with <see cref="EmbeddedKafkaOptions.ConnectToRunning"/>), the running service's; else a
    /// new one in this process, published for the application's commands unless this process is such a command.
    /// </summary>
    /// <param name="options">The options given to <c>UseEmbeddedKafka</c>.</param>
    /// <param name="invocation">Whether this process runs a <c>conveyor</c> command.</param>
    /// <param name="environment">The application's name and content root, which key its discovery file.</param>
    /// <param name="loggers">Where the connection logs.</param>
    /// <param name="notices">Where a command tells its user which cluster it uses (stderr): commands do not log to the console by default.</param>
    public static EmbeddedKafkaConnection Open(
        EmbeddedKafkaOptions options,
        ConveyorInvocation? invocation,
        IHostEnvironment? environment,
        ILoggerFactory loggers,
        TextWriter notices)
    {
        var logger = loggers.CreateLogger<EmbeddedKafkaCluster>();
        if (!string.IsNullOrWhiteSpace(options.BootstrapServers))
        {
            Log.UsingHostedElsewhere(logger, options.BootstrapServers);
            return new EmbeddedKafkaConnection(options.BootstrapServers, null, null, logger);
        }

        var application = environment?.ApplicationName is { Length: > 0 } name ? name : Assembly.GetEntryAssembly()?.GetName().Name ?? "app";
        var contentRoot = environment?.ContentRootPath is { Length: > 0 } root ? root : System.IO.Directory.GetCurrentDirectory();
        var discovery = new EmbeddedKafkaDiscovery(options.DiscoveryDirectory ?? EmbeddedKafkaDiscovery.DefaultDirectory());
        var isCommand = invocation?.IsConveyorCommand ?? false;

        if (options.ConnectToRunning ?? isCommand)
        {
            if (discovery.FindRunning(application, contentRoot) is { } running)
            {
                notices.WriteLine($"Using the embedded Kafka cluster of {application}'s running service (process {running.ProcessId}) at {running.BootstrapServers}.");
                Log.UsingRunningService(logger, running.BootstrapServers, running.ProcessId);
                return new EmbeddedKafkaConnection(running.BootstrapServers, null, null, logger);
            }

            var fresh = EmbeddedKafkaCluster.Start(options);
            notices.WriteLine(
                $"No running service of {application} was found (content root {contentRoot}): started a fresh, empty embedded Kafka cluster for this command, gone when it ends. Start the service first (dotnet run, in another terminal) to see its messages.");
            Log.FreshForCommand(logger, fresh.BootstrapServers, application);
            return new EmbeddedKafkaConnection(fresh.BootstrapServers, fresh, null, logger);
        }

        var cluster = EmbeddedKafkaCluster.Start(options);
        PublishedDiscoveryFile? published = null;
        var publishedAs = "nothing (a conveyor command's own cluster is not published)";
        if (!isCommand)
        {
            if (discovery.FindRunning(application, contentRoot) is { } owner && owner.ProcessId != Environment.ProcessId)
            {
                // The first instance keeps its file: replacing it would send the commands of the service that runs longest
                // to a cluster that may go first, and a process that used Kafka before RunWithConveyorAsync marked it as a
                // command must not take over its service's file.
                publishedAs = $"nothing: process {owner.ProcessId} of this application already published its cluster in {discovery.PathFor(application, contentRoot)}";
            }
            else
            {
                try
                {
                    published = discovery.Publish(application, contentRoot, cluster.BootstrapServers);
                    publishedAs = published.Path;
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    // The service runs all the same; only its commands cannot find it.
                    Log.DiscoveryNotWritten(logger, e, discovery.Directory);
                    publishedAs = "nothing (the discovery file could not be written)";
                }
            }
        }

        Log.EmbeddedStarted(logger, cluster.BootstrapServers, cluster.BrokerCount, publishedAs);
        return new EmbeddedKafkaConnection(cluster.BootstrapServers, cluster, published, logger);
    }

    /// <summary>
    /// Creates a topic: through the mock cluster's API when it runs here; else through its automatic topic creation, which
    /// a Metadata request for the topic triggers (the mock does not serve CreateTopics), always with the mock's 4 partitions.
    /// </summary>
    public void CreateTopic(string name, int partitions, int replicationFactor)
    {
        if (Cluster is { } cluster)
        {
            cluster.CreateTopic(name, partitions, replicationFactor);
            return;
        }

        // A producer handle: librdkafka lets a Metadata request create a missing topic only for producers with
        // allow.auto.create.topics (their default).
        var config = new ProducerConfig { BootstrapServers = BootstrapServers };
        config.Set("allow.auto.create.topics", "true");
        using var producer = new ProducerBuilder<Null, Null>(config)
            .SetLogHandler((_, message) => Log.ClientLog(logger, message.Facility, message.Message))
            .Build();
        using var admin = new DependentAdminClientBuilder(producer.Handle).Build();
        var topic = admin.GetMetadata(name, MetadataTimeout).Topics.SingleOrDefault(t => t.Topic == name);
        if (topic is null || topic.Error.Code != ErrorCode.NoError || topic.Partitions.Count == 0)
        {
            var error = topic?.Error ?? new Error(ErrorCode.UnknownTopicOrPart);
            throw new KafkaException(new Error(
                error.Code,
                $"The embedded Kafka cluster at {BootstrapServers} (another process) did not create topic '{name}' on request: {error.Reason}. Create it where the cluster runs, e.g. conveyor-kafka --topic {name}:{partitions}."));
        }

        if (topic.Partitions.Count != partitions)
        {
            Log.RemoteTopicPartitions(logger, name, topic.Partitions.Count, partitions);
        }
    }

    public void Dispose()
    {
        discoveryFile?.Dispose();
        Cluster?.Dispose();
    }

    /// <summary>
    /// This connection as the container's <see cref="IKafkaTopicCreator"/>, through a view that is not disposable. The
    /// container disposes every disposable a factory returns, at the place of that service's creation: handing out the
    /// connection itself would stop the cluster when the topic creator's turn comes, while producers created earlier
    /// are still open (they log "Connection refused" for every broker at shutdown).
    /// </summary>
    public IKafkaTopicCreator AsTopicCreator() => new TopicCreatorView(this);

    private sealed class TopicCreatorView(EmbeddedKafkaConnection connection) : IKafkaTopicCreator
    {
        public void CreateTopic(string name, int partitions, int replicationFactor) => connection.CreateTopic(name, partitions, replicationFactor);
    }
}
