using Confluent.Kafka;
using Conveyor.Channels;
using Conveyor.Outgoing;

namespace Conveyor.Kafka.Publishing;

/// <summary>
/// A named publisher as a send-only channel: every record it writes leaves through the outgoing path like any other
/// message, and a flow test can replace it with a recording in-memory channel.
/// </summary>
internal sealed class KafkaPublisherChannel(string name, string topic, ProducerConfig config, IProducer<byte[]?, byte[]?> producer) : IDeliveryReportingChannel
{
    private readonly TopicPartition _destination = new(topic, Partition.Any);

    public string Name => name;

    public string Topic => topic;

    public string? Address => topic;

    /// <summary>The effective producer configuration (shared with every sender of the same configuration).</summary>
    public ProducerConfig Config => config;

    public ChannelCapabilities Capabilities => ChannelCapabilities.SendOnly;

    public ValueTask SendAsync(TransportMessage message, CancellationToken cancellationToken) =>
        KafkaSender.SendWithoutResultAsync(producer, _destination, message, cancellationToken);

    public async ValueTask<object> SendReportingAsync(TransportMessage message, CancellationToken cancellationToken) =>
        await KafkaSender.SendAsync(producer, _destination, message, cancellationToken).ConfigureAwait(false);
}
