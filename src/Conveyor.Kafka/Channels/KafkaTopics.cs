using System.Collections.Concurrent;
using Confluent.Kafka;
using Confluent.Kafka.Admin;
using Conveyor.Kafka.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Conveyor.Kafka.Channels;

/// <summary>
/// Checks that the topics a channel needs exist and, when <see cref="KafkaOptions.CreateMissingTopics"/> is on,
/// creates them (retry and dead-letter topics with as many partitions as the topic they serve). Otherwise a missing
/// topic fails the consumer's start with the list of topics to create. Its admin client is built on first use and
/// kept until the application stops: disposing a librdkafka client waits for its broker threads (~150 ms measured on
/// the embedded cluster), which every consumer start paid when the client was built for each check.
/// </summary>
internal sealed class KafkaTopics(IOptions<KafkaOptions> options, IServiceProvider services, ILogger<KafkaTopics> logger) : IDisposable
{
    // Read on construction, not on first use: the container disposes singletons in reverse order of
    // creation, so what the options are made from (an embedded cluster in this process) outlives the admin client.
    private readonly KafkaOptions _options = options.Value;

    /// <summary>How long a metadata or CreateTopics request may take before the check fails.</summary>
    internal static readonly TimeSpan AdminTimeout = TimeSpan.FromSeconds(10);

    private readonly ConcurrentDictionary<string, bool> _known = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _gate = new(1, 1);
    private IAdminClient? _admin;

    /// <summary>Whether every topic is known to exist (checked or created before); no allocation, for the send path.</summary>
    public bool AreKnown(IReadOnlyList<string> topics)
    {
        for (var i = 0; i < topics.Count; i++)
        {
            if (!_known.ContainsKey(topics[i]))
            {
                return false;
            }
        }

        return true;
    }

    public ValueTask EnsureAsync(IReadOnlyList<string> topics, CancellationToken cancellationToken) =>
        AreKnown(topics) ? ValueTask.CompletedTask : EnsureSlowAsync(topics, cancellationToken);

    private async ValueTask EnsureSlowAsync(IReadOnlyList<string> topics, CancellationToken cancellationToken)
    {
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Sends that raced the first one waited here: the topics are known now, no need to ask the cluster again.
            if (AreKnown(topics))
            {
                return;
            }

            var admin = _admin ??= new AdminClientBuilder(KafkaClientConfigs.Admin(_options)).LogTo(logger).Build();
            var metadata = await ReadMetadataAsync(admin, topics, cancellationToken).ConfigureAwait(false);
            var existing = metadata.Topics.Where(t => t.Error.Code == ErrorCode.NoError).ToDictionary(t => t.Topic, t => t.Partitions.Count, StringComparer.Ordinal);
            var missing = topics.Where(t => !existing.ContainsKey(t)).Distinct().ToList();
            if (missing.Count > 0 && !_options.CreateMissingTopics)
            {
                throw new ConveyorConfigurationException(
                    $"Kafka topic(s) {string.Join(", ", missing.Select(t => $"'{t}'"))} do not exist. Create them, or set Conveyor:Kafka:CreateMissingTopics to true to let Conveyor create them.");
            }

            var partitions = topics.Select(t => existing.GetValueOrDefault(t)).DefaultIfEmpty(0).Max();
            partitions = partitions > 0 ? partitions : _options.DefaultPartitions;
            if (missing.Count > 0)
            {
                Log.CreatingTopics(logger, string.Join(", ", missing), partitions, _options.BootstrapServers);
                await CreateAsync(admin, missing, partitions, cancellationToken).ConfigureAwait(false);
                foreach (var topic in missing)
                {
                    Log.TopicCreated(logger, topic, partitions);
                }
            }

            foreach (var topic in topics)
            {
                _known[topic] = true;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// The cluster's metadata. librdkafka's call blocks up to its timeout when no broker answers; it runs on the thread
    /// pool so that a stop or a caller's cancellation does not wait for it.
    /// </summary>
    private async Task<Metadata> ReadMetadataAsync(IAdminClient admin, IReadOnlyList<string> topics, CancellationToken cancellationToken)
    {
        try
        {
            return await Task.Run(() => admin.GetMetadata(AdminTimeout), CancellationToken.None).WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (KafkaException e)
        {
            throw TopicsFailed(topics, "check", e);
        }
    }

    /// <summary>The documented exception of a send (and the reason a consumer could not start), naming what was asked of which cluster.</summary>
    private KafkaPublishException TopicsFailed(IEnumerable<string> topics, string action, KafkaException exception) =>
        new($"Could not {action} Kafka topic(s) {string.Join(", ", topics.Distinct().Select(t => $"'{t}'"))} at bootstrap servers '{_options.BootstrapServers}': {exception.Error.Reason} ({exception.Error.Code}). Nothing was written.", exception);

    public void Dispose()
    {
        _admin?.Dispose();
        _gate.Dispose();
    }

    /// <summary>
    /// Creates the missing topics in one request. A cluster that never answers CreateTopics (librdkafka's mock cluster,
    /// which Conveyor.Kafka.EmbeddedHost serves, does not implement it) would keep the consumer's start waiting with no
    /// log and no error, and a stop waiting behind it: the request has a deadline, after which the start fails naming
    /// every topic to create, and the wait ends as soon as <paramref name="cancellationToken"/> is cancelled.
    /// </summary>
    private async Task CreateAsync(IAdminClient admin, IReadOnlyList<string> topics, int partitions, CancellationToken cancellationToken)
    {
        var replication = _options.DefaultReplicationFactor;
        if (services.GetService<IKafkaTopicCreator>() is { } creator)
        {
            foreach (var topic in topics)
            {
                try
                {
                    creator.CreateTopic(topic, partitions, replication);
                }
                catch (KafkaException e) when (e.Error.Code == ErrorCode.TopicAlreadyExists)
                {
                    // Another application on the same cluster created it since the metadata said it was missing: as with
                    // the admin client's CreateTopics below, the topic is there, which is all that was asked.
                }
                catch (KafkaException e)
                {
                    throw TopicsFailed([topic], "create", e);
                }
            }

            return;
        }

        var request = admin.CreateTopicsAsync(
            [.. topics.Select(t => new TopicSpecification { Name = t, NumPartitions = partitions, ReplicationFactor = replication })],
            new CreateTopicsOptions { RequestTimeout = AdminTimeout, OperationTimeout = AdminTimeout });
        try
        {
            // librdkafka ends the request at RequestTimeout; the extra second only guards against a client that does not.
            await request.WaitAsync(AdminTimeout + TimeSpan.FromSeconds(1), cancellationToken).ConfigureAwait(false);
        }
        catch (CreateTopicsException e) when (e.Results.All(r => r.Error.Code is ErrorCode.TopicAlreadyExists or ErrorCode.NoError))
        {
        }
        catch (CreateTopicsException e)
        {
            var failed = e.Results.Where(r => r.Error.Code is not (ErrorCode.TopicAlreadyExists or ErrorCode.NoError)).ToList();
            throw CreateFailed(
                [.. failed.Select(r => r.Topic)], partitions, string.Join("; ", failed.Select(r => $"'{r.Topic}': {r.Error.Reason} ({r.Error.Code})")), e);
        }
        catch (KafkaException e) when (e.Error.Code is ErrorCode.Local_TimedOut or ErrorCode.RequestTimedOut)
        {
            throw CreateFailed(topics, partitions, $"the cluster did not answer the CreateTopics request within {AdminTimeout.TotalSeconds:0} s", e);
        }
        catch (KafkaException e)
        {
            throw CreateFailed(topics, partitions, $"{e.Error.Reason} ({e.Error.Code})", e);
        }
        catch (TimeoutException e)
        {
            throw CreateFailed(topics, partitions, $"the cluster did not answer the CreateTopics request within {AdminTimeout.TotalSeconds:0} s", e);
        }
    }

    /// <summary>Why topics could not be created, which ones, and how to get going: create them up front.</summary>
    private KafkaPublishException CreateFailed(IReadOnlyList<string> topics, int partitions, string reason, Exception exception) =>
        new($"Could not create Kafka topic(s) {string.Join(", ", topics.Select(t => $"'{t}'"))} at bootstrap servers '{_options.BootstrapServers}': {reason}. "
            + $"Create them before starting (each with {partitions} partition(s), e.g. kafka-topics.sh --create --topic <name> --partitions {partitions}; "
            + $"Conveyor.Kafka.EmbeddedHost, which cannot create topics on request, takes --topic <name>:{partitions} for each). Nothing was written.",
            exception);
}
