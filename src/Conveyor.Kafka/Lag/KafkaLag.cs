using Confluent.Kafka;
using Conveyor.Channels;
using Conveyor.Kafka.Channels;
using Microsoft.Extensions.Logging;

namespace Conveyor.Kafka.Lag;

/// <summary>Reads committed offsets with a consumer in the channel's group that never joins it, and watermarks from the brokers.</summary>
internal sealed class KafkaLag(IChannelRegistry channels) : IKafkaLag
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    public IReadOnlyList<string> ConsumerNames => [.. channels.Names.Where(name => Find(name) is not null)];

    public Task<IReadOnlyList<PartitionLag>> GetLagAsync(string name, CancellationToken cancellationToken = default)
    {
        var channel = Find(name)
            ?? (channels.ChannelOfEndpoint(name) is { } owner ? Find(owner) : null)
            ?? throw new ArgumentException($"'{name}' is not a Kafka channel or consumer. Kafka consumers: {string.Join(", ", ConsumerNames)}.", nameof(name));
        return channel.GetPartitionLagAsync(cancellationToken);
    }

    public static Task<IReadOnlyList<PartitionLag>> ReadAsync(KafkaChannelSettings settings, ILogger logger, CancellationToken cancellationToken) =>
        Task.Run(() => Read(settings, logger), cancellationToken);

    private IKafkaConsumerChannel? Find(string name) => channels.TryGet(name, out var channel) ? channel as IKafkaConsumerChannel : null;

    private static IReadOnlyList<PartitionLag> Read(KafkaChannelSettings settings, ILogger logger)
    {
        using var admin = new AdminClientBuilder(settings.Admin).LogTo(logger).Build();
        var topics = settings.Topics.Append(settings.RetryTopic).ToList();
        var partitions = topics
            .SelectMany(t => admin.GetMetadata(t, Timeout).Topics.Where(m => m.Error.Code == ErrorCode.NoError))
            .SelectMany(t => t.Partitions.Select(p => new TopicPartition(t.Topic, p.PartitionId)))
            .ToList();

        using var consumer = new ConsumerBuilder<byte[]?, byte[]?>(settings.Consumer).LogTo(logger).Build();
        var committed = consumer.Committed(partitions, Timeout).ToDictionary(o => o.TopicPartition, o => o.Offset);
        return [.. partitions.Select(p =>
        {
            var watermarks = consumer.QueryWatermarkOffsets(p, Timeout);
            var offset = committed.GetValueOrDefault(p, Offset.Unset);
            return new PartitionLag(settings.GroupId, p.Topic, p.Partition.Value, offset.IsSpecial ? null : offset.Value, watermarks.Low.Value, watermarks.High.Value);
        })];
    }
}
