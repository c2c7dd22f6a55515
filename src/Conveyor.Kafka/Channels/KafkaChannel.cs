using Confluent.Kafka;
using Conveyor.Channels;
using Conveyor.Failures.DeadLetters;
using Conveyor.Kafka.Consuming;
using Conveyor.Kafka.DeadLetters;
using Conveyor.Kafka.Publishing;
using Microsoft.Extensions.Logging;

namespace Conveyor.Kafka.Channels;

/// <summary>
/// A Conveyor channel on Kafka. Sending writes to the channel's topic (key: the partition key, else the message
/// id) and completes on the broker's acknowledgement. Receiving runs a <see cref="KafkaConsumerEngine"/> on the
/// channel's topics and its group's retry topic: offsets are committed only when Conveyor finished a record.
/// Delayed retries go to the retry topic and wait there until due; dead letters go to the dead-letter topic.
/// </summary>
internal sealed class KafkaChannel : IReceivingChannel
{
    private readonly KafkaTopics _topics;
    private readonly ILogger _logger;
    private readonly ILoggerFactory _loggers;

    public KafkaChannel(KafkaChannelSettings settings, KafkaProducers producers, KafkaTopics topics, TimeProvider time, ILoggerFactory loggers)
    {
        Settings = settings;
        Time = time;
        _topics = topics;
        _loggers = loggers;
        _logger = loggers.CreateLogger<KafkaChannel>();
        Producer = producers.For(settings.Producer);
        DeadLetters = new KafkaDeadLetterTopic(settings, Producer);
    }

    public string Name => Settings.Name;

    public KafkaChannelSettings Settings { get; }

    public TimeProvider Time { get; }

    public IProducer<byte[]?, byte[]?> Producer { get; }

    public IDeadLetterStore DeadLetters { get; }

    /// <summary>Whether records of <paramref name="topic"/> may be re-appended to it: the channel's own topic and its retry topic.</summary>
    public bool OwnsTopic(string topic) => topic == Settings.SendTopic || topic == Settings.RetryTopic;

    public async ValueTask SendAsync(TransportMessage message, CancellationToken cancellationToken)
    {
        var topic = Settings.SendTopic ?? Settings.RetryTopic;
        await _topics.EnsureAsync([topic], cancellationToken).ConfigureAwait(false);
        await KafkaSender.SendAsync(Producer, new TopicPartition(topic, Partition.Any), message, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask RedeliverAsync(TransportMessage message, CancellationToken cancellationToken)
    {
        await _topics.EnsureAsync([Settings.RetryTopic], cancellationToken).ConfigureAwait(false);
        message.Headers.Set(MessageHeaderNames.DeliverAt, null);
        await KafkaSender.SendAsync(Producer, new TopicPartition(Settings.RetryTopic, Partition.Any), message, cancellationToken).ConfigureAwait(false);
    }

    public async Task<ReceiveSummary> ReceiveAsync(InboundMessageHandler handler, ReceiveOptions options, CancellationToken cancellationToken)
    {
        var topics = Settings.Topics.Append(Settings.RetryTopic).ToList();
        await _topics.EnsureAsync([.. topics, Settings.DeadLetterTopic], cancellationToken).ConfigureAwait(false);
        Log.ChannelStarting(_logger, Name, string.Join(",", Settings.Topics), Settings.GroupId, Settings.RetryTopic, Settings.DeadLetterTopic, Configuration.KafkaClientConfigs.Describe(Settings.Consumer));

        var engine = new KafkaConsumerEngine(Settings.Consumer, topics, Process, Settings.Consuming, _loggers.CreateLogger<KafkaConsumerEngine>(), observer: null, Time);
        var result = await engine.RunAsync(options.StopWhenEmpty, cancellationToken).ConfigureAwait(false);
        if (result.Reason is ConsumerStopReason.FatalError or ConsumerStopReason.ProcessorFailed && result.Error is { } error)
        {
            throw new ConveyorException($"Kafka consumer of channel '{Name}' stopped: {error.Message}", error);
        }

        return new ReceiveSummary(result.RecordsCompleted, result.StoppedAt?.ToString());

        async ValueTask<RecordOutcome> Process(ConsumeResult<byte[]?, byte[]?> record, CancellationToken token, CancellationToken revoked)
        {
            var inbound = KafkaInboundMessage.From(record, this, revoked);
            if (inbound.DeliverAt is { } due && due - Time.GetUtcNow() is { Ticks: > 0 } wait)
            {
                // A retry not yet due holds no work: a revoke ends the wait at once, not after the grace period.
                await Task.Delay(wait, Time, revoked).ConfigureAwait(false);
            }

            return await handler(inbound, token).ConfigureAwait(false) switch
            {
                Acknowledgement.Completed => RecordOutcome.Completed,
                Acknowledgement.Release => RecordOutcome.Release,
                _ => RecordOutcome.Stop,
            };
        }
    }
}
