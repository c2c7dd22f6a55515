using System.Collections.Concurrent;
using Conveyor.Consumers;
using Conveyor.Kafka.Configuration;
using Conveyor.Kafka.ConsumerEngine;
using Conveyor.Kafka.Publishing;
using Conveyor.Outgoing;
using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Conveyor.Kafka.Channels;

/// <summary>Creates Kafka channels, consumer endpoints and publishers from code options overlaid with <c>Conveyor:Kafka</c> configuration.</summary>
internal sealed class KafkaChannelFactory(IOptions<KafkaOptions> options, IOptions<ConveyorOptions> conveyor, KafkaProducers producers, KafkaTopics topics, IServiceProvider services, TimeProvider time, ILoggerFactory loggers)
{
    /// <summary>The first consumer created in each group, with what it subscribes to.</summary>
    private readonly ConcurrentDictionary<string, (string Name, string[] Subscription)> _groups = new(StringComparer.Ordinal);

    private KafkaOptions Options => options.Value;

    public KafkaChannel Channel(string name, KafkaChannelOptions code)
    {
        // Configured sections are checked by KafkaOptionsValidator; what the code gave is checked here, at start-up too.
        var errors = new List<string>();
        KafkaOptionsValidator.Channel(code, $"AddKafkaChannel(\"{name}\") options", errors);
        if (errors.Count > 0)
        {
            throw new ConveyorConfigurationException(string.Join(Environment.NewLine, errors));
        }

        return Create(ChannelSettings(name, code));
    }

    public KafkaChannel Consumer(KafkaConsumerAttribute attribute, EndpointInfo endpoint) => Create(ConsumerSettings(attribute, endpoint.EndpointId));

    public KafkaPublisherChannel PublisherChannel(string name, KafkaPublisherOptions code)
    {
        var (topic, config) = PublisherSettings(name, code);
        return new KafkaPublisherChannel(name, topic, config, producers.For(config));
    }

    /// <summary>The publisher's API over the outgoing path; needs no broker, so that a flow test can resolve it.</summary>
    public IKafkaPublisher Publisher(string name, KafkaPublisherOptions code) =>
        new KafkaPublisher(name, PublisherTopic(name, code), services.GetRequiredService<IMessageSender>());

    /// <summary>A channel's effective settings: code options overlaid with <c>Conveyor:Kafka:Channels:&lt;name&gt;</c>. Creates no client.</summary>
    public KafkaChannelSettings ChannelSettings(string name, KafkaChannelOptions code)
    {
        var configured = Options.Channels.GetValueOrDefault(name);
        var topic = configured?.Topic ?? code.Topic ?? name;
        var group = configured?.GroupId ?? code.GroupId ?? name;
        return Settings(name, [topic], topic, group, $"{topic}.{group}.retry", $"{topic}.dead-letter", code, configured);
    }

    /// <summary>A <c>[KafkaConsumer]</c> endpoint's effective settings, overlaid with <c>Conveyor:Kafka:Consumers:&lt;endpoint&gt;</c>. Creates no client.</summary>
    public KafkaChannelSettings ConsumerSettings(KafkaConsumerAttribute attribute, string endpointId)
    {
        var configured = Options.Consumers.GetValueOrDefault(endpointId);

        // Conveyor:Kafka:Consumers:<endpoint>:Topic (comma-separated for several) replaces the attribute's topics,
        // e.g. to point one build at per-environment topic names.
        IReadOnlyList<string> topicNames = configured?.Topic is { } configuredTopics && !string.IsNullOrWhiteSpace(configuredTopics)
            ? configuredTopics.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : attribute.Topics;
        if (topicNames.Count == 0)
        {
            throw new ConveyorConfigurationException($"{endpointId}: [KafkaConsumer] names no topic. Pass at least one: [KafkaConsumer(\"{endpointId}\", \"orders\")].");
        }

        var group = configured?.GroupId ?? attribute.GroupId ?? endpointId;
        if (attribute.MaxBatchSize < 0)
        {
            throw new ConveyorConfigurationException($"{endpointId}: [KafkaConsumer(MaxBatchSize = {attribute.MaxBatchSize})] is negative. Leave it out for the default (100 records), or set e.g. MaxBatchSize = 500.");
        }

        if (attribute.MaxBatchWaitMilliseconds < -1)
        {
            throw new ConveyorConfigurationException($"{endpointId}: [KafkaConsumer(MaxBatchWaitMilliseconds = {attribute.MaxBatchWaitMilliseconds})] is negative. Leave it out for the default (100 ms), or set e.g. MaxBatchWaitMilliseconds = 200 (0: start with what was read).");
        }

        var batch = (attribute.MaxBatchSize > 0 ? attribute.MaxBatchSize : (int?)null,
            attribute.MaxBatchWaitMilliseconds >= 0 ? TimeSpan.FromMilliseconds(attribute.MaxBatchWaitMilliseconds) : (TimeSpan?)null);
        var code = new KafkaChannelOptions { ExactlyOnce = attribute.ExactlyOnce ? true : null };
        return Settings(endpointId, topicNames, null, group, $"{endpointId}.{group}.retry", $"{topicNames[0]}.dead-letter", code, configured, batch);
    }

    /// <summary>A named publisher's topic and effective producer configuration, overlaid with <c>Conveyor:Kafka:Publishers:&lt;name&gt;</c>.</summary>
    public (string Topic, ProducerConfig Config) PublisherSettings(string name, KafkaPublisherOptions code)
    {
        var configured = Options.Publishers.GetValueOrDefault(name);
        return (PublisherTopic(name, code), KafkaClientConfigs.Producer(Options, code.Producer, configured?.Producer));
    }

    private string PublisherTopic(string name, KafkaPublisherOptions code) =>
        Options.Publishers.GetValueOrDefault(name)?.Topic ?? code.Topic
            ?? throw new ConveyorConfigurationException($"Kafka publisher '{name}' has no topic. Pass one to AddKafkaPublisher or set Conveyor:Kafka:Publishers:{name}:Topic.");

    // With the in-memory scheduler a long delay is safer on the retry topic (kept on restart) than in memory.
    private TimeSpan DefaultMaxRetryTopicDelay() =>
        services.GetService<Scheduling.IMessageScheduler>()?.IsDurable == true ? TimeSpan.FromMinutes(1) : Timeout.InfiniteTimeSpan;

    private KafkaChannel Create(KafkaChannelSettings settings)
    {
        WarnAboutSharedGroup(settings);
        return new(settings, producers, topics, services.GetRequiredService<IConsumerStatusReporter>(), time, loggers, services.GetService<Conveyor.Channels.IChannelRouting>());
    }

    /// <summary>
    /// Two consumers of this application in one group with different subscriptions (their retry topics differ even on
    /// one topic) would rebalance each other and split what they both read. A warning, not an error: Kafka allows it and
    /// a deliberate setup may want it, but it is nearly always a copied group id. Every channel is created once, at
    /// start-up, so the warning comes then.
    /// </summary>
    private void WarnAboutSharedGroup(KafkaChannelSettings settings)
    {
        string[] subscription = [.. settings.Topics.Append(settings.RetryTopic).Distinct().Order(StringComparer.Ordinal)];
        var first = _groups.GetOrAdd(settings.GroupId, (settings.Name, subscription));
        if (first.Name != settings.Name && !first.Subscription.SequenceEqual(subscription, StringComparer.Ordinal))
        {
            Log.SharedConsumerGroup(
                loggers.CreateLogger<KafkaChannelFactory>(), settings.GroupId, first.Name, string.Join(", ", first.Subscription), settings.Name, string.Join(", ", subscription));
        }
    }

    private KafkaChannelSettings Settings(
        string name, IReadOnlyList<string> topicNames, string? sendTopic, string group, string retryTopic, string deadLetterTopic, KafkaChannelOptions code, KafkaChannelOptions? configured,
        (int? Size, TimeSpan? Wait) attributeBatch = default)
    {
        var producer = KafkaClientConfigs.Producer(Options, code.Properties, code.Producer, configured?.Properties, configured?.Producer);
        var consumer = KafkaClientConfigs.Consumer(Options, group, code.Properties, code.Consumer, configured?.Properties, configured?.Consumer);

        // One shutdown setting for every consumer: handlers get ShutdownTimeout to finish, on Kafka as anywhere.
        var consuming = (configured?.Consuming ?? code.Consuming ?? Options.Consuming).Clone();
        consuming.ShutdownGracePeriod = conveyor.Value.ShutdownTimeout;

        // A batch's limits: this consumer's configuration, else its [KafkaConsumer] attribute, else the channel's or the
        // global options, else the defaults.
        consuming.MaxBatchSize = configured?.Consuming?.MaxBatchSize ?? attributeBatch.Size ?? consuming.MaxBatchSize
            ?? Math.Min(KafkaConsumerOptions.DefaultMaxBatchSize, consuming.MaxBufferedRecords);
        consuming.MaxBatchWait = configured?.Consuming?.MaxBatchWait ?? attributeBatch.Wait ?? consuming.MaxBatchWait ?? KafkaConsumerOptions.DefaultMaxBatchWait;
        if (consuming.Problems().FirstOrDefault() is ({ } setting, { } invalid))
        {
            throw new ConveyorConfigurationException($"Kafka channel '{name}': Consuming:{setting}: {invalid}");
        }

        if (KafkaConsumerEngine.PollIntervalProblem(consumer, consuming) is { } problem)
        {
            throw new ConveyorConfigurationException($"Kafka channel '{name}': {problem}");
        }

        var retryMode = configured?.RetryMode ?? code.RetryMode ?? KafkaRetryMode.RetryTopic;
        var exactlyOnce = configured?.ExactlyOnce ?? code.ExactlyOnce ?? false;
        var readCommitted = configured?.ReadCommitted ?? code.ReadCommitted;
        if (readCommitted is null && exactlyOnce && consumer.IsolationLevel is null)
        {
            readCommitted = true;
        }

        if (readCommitted is { } committedOnly)
        {
            consumer.IsolationLevel = committedOnly ? IsolationLevel.ReadCommitted : IsolationLevel.ReadUncommitted;
        }

        if (exactlyOnce && ExactlyOnceProblems(consuming, retryMode, producer).ToList() is { Count: > 0 } problems)
        {
            throw new ConveyorConfigurationException(
                $"Kafka channel '{name}' is exactly-once (ExactlyOnce), which cannot hold with: {string.Join(" ", problems)}");
        }

        return new KafkaChannelSettings(
            name,
            topicNames,
            sendTopic,
            group,
            configured?.RetryTopic ?? code.RetryTopic ?? retryTopic,
            configured?.DeadLetterTopic ?? code.DeadLetterTopic ?? deadLetterTopic,
            retryMode,
            producer,
            consumer,
            consuming,
            KafkaClientConfigs.Admin(Options),
            configured?.FinalFailureStrategy ?? code.FinalFailureStrategy,
            configured?.MaxRetryTopicDelay ?? code.MaxRetryTopicDelay ?? DefaultMaxRetryTopicDelay(),
            exactlyOnce,
            configured?.TransactionalId ?? code.TransactionalId ?? $"{group}.{name}.{Environment.MachineName}");
    }

    /// <summary>What in a channel's settings breaks exactly-once, each with the fix.</summary>
    private static IEnumerable<string> ExactlyOnceProblems(KafkaConsumerOptions consuming, KafkaRetryMode retryMode, ProducerConfig producer)
    {
        if (consuming.Ordering != KafkaOrderingMode.PartitionSequential)
        {
            // A transaction commits the writes of every record handled in it; with keys in parallel a later record can
            // finish while an earlier one has not, and its offset could not commit with its writes.
            yield return $"Consuming:Ordering is {consuming.Ordering}: a transaction would hold writes of records whose offsets cannot commit past an unfinished one. Use PartitionSequential.";
        }

        if (retryMode == KafkaRetryMode.Blocking)
        {
            yield return "RetryMode is Blocking: a retry waiting in place would hold the open transaction (and every commit) for its whole delay. Use RetryTopic, whose write commits in the transaction.";
        }

        if (producer.EnableIdempotence == false)
        {
            yield return "the producer sets enable.idempotence=false: transactions need the idempotent producer. Remove the setting.";
        }

        if (!string.IsNullOrEmpty(producer.TransactionalId))
        {
            yield return "the producer sets transactional.id, which would make every producer of the channel transactional. Remove it; set TransactionalId (a prefix) on the channel instead.";
        }
    }
}
