using Conveyor.Kafka.Configuration;
using Conveyor.Kafka.Consuming;
using Conveyor.Kafka.Publishing;
using Conveyor.Runtime;
using Confluent.Kafka;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Conveyor.Kafka.Channels;

/// <summary>Creates Kafka channels, consumer endpoints and publishers from code options overlaid with <c>Conveyor:Kafka</c> configuration.</summary>
internal sealed class KafkaChannelFactory(IOptions<KafkaOptions> options, KafkaProducers producers, KafkaTopics topics, IServiceProvider services, TimeProvider time, ILoggerFactory loggers)
{
    private KafkaOptions Options => options.Value;

    public KafkaChannel Channel(string name, KafkaChannelOptions code)
    {
        var configured = Options.Channels.GetValueOrDefault(name);
        var topic = configured?.Topic ?? code.Topic ?? name;
        var group = configured?.GroupId ?? code.GroupId ?? name;
        return Create(name, [topic], topic, group, $"{topic}.{group}.retry", $"{topic}.dead-letter", code, configured);
    }

    public KafkaChannel Consumer(KafkaConsumerAttribute attribute, EndpointInfo endpoint)
    {
        var configured = Options.Consumers.GetValueOrDefault(endpoint.EndpointId);

        // Conveyor:Kafka:Consumers:<endpoint>:Topic (comma-separated for several) replaces the attribute's topics,
        // e.g. to point one build at per-environment topic names.
        IReadOnlyList<string> topicNames = configured?.Topic is { } configuredTopics && !string.IsNullOrWhiteSpace(configuredTopics)
            ? configuredTopics.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            : attribute.Topics;
        if (topicNames.Count == 0)
        {
            throw new ConveyorConfigurationException($"{endpoint.EndpointId}: [KafkaConsumer] names no topic. Pass at least one: [KafkaConsumer(\"{endpoint.EndpointId}\", \"orders\")].");
        }

        var group = configured?.GroupId ?? attribute.GroupId ?? endpoint.EndpointId;
        return Create(endpoint.EndpointId, topicNames, null, group, $"{endpoint.EndpointId}.{group}.retry", $"{topicNames[0]}.dead-letter", new KafkaChannelOptions(), configured);
    }

    public IKafkaPublisher Publisher(string name, KafkaPublisherOptions code)
    {
        var configured = Options.Publishers.GetValueOrDefault(name);
        var topic = configured?.Topic ?? code.Topic
            ?? throw new ConveyorConfigurationException($"Kafka publisher '{name}' has no topic. Pass one to AddKafkaPublisher or set Conveyor:Kafka:Publishers:{name}:Topic.");
        var config = KafkaClientConfigs.Producer(Options, code.Producer, configured?.Producer);
        return new KafkaPublisher(name, topic, producers.For(config), services.GetRequiredService<MessageDispatcher>());
    }

    private KafkaChannel Create(string name, IReadOnlyList<string> topicNames, string? sendTopic, string group, string retryTopic, string deadLetterTopic, KafkaChannelOptions code, KafkaChannelOptions? configured)
    {
        var producer = KafkaClientConfigs.Producer(Options, code.Properties, code.Producer, configured?.Properties, configured?.Producer);
        var consumer = KafkaClientConfigs.Consumer(Options, group, code.Properties, code.Consumer, configured?.Properties, configured?.Consumer);
        var settings = new KafkaChannelSettings(
            name,
            topicNames,
            sendTopic,
            group,
            configured?.RetryTopic ?? code.RetryTopic ?? retryTopic,
            configured?.DeadLetterTopic ?? code.DeadLetterTopic ?? deadLetterTopic,
            configured?.RetryMode ?? code.RetryMode ?? KafkaRetryMode.RetryTopic,
            producer,
            consumer,
            configured?.Consuming ?? code.Consuming ?? Options.Consuming,
            KafkaClientConfigs.Admin(Options));
        return new KafkaChannel(settings, producers, topics, time, loggers);
    }
}
