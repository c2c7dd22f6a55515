using Confluent.Kafka;

namespace Conveyor.Kafka.Publishing;

/// <summary>Writes a transport message to a topic (or one partition of it) and waits for the broker's acknowledgement.</summary>
internal static class KafkaSender
{
    public static async Task<KafkaDeliveryResult> SendAsync(
        IProducer<byte[]?, byte[]?> producer,
        TopicPartition destination,
        TransportMessage message,
        CancellationToken cancellationToken,
        Func<string, bool>? skipHeader = null)
    {
        try
        {
            var result = await producer.ProduceAsync(destination, KafkaRecords.From(message, skipHeader), cancellationToken).ConfigureAwait(false);
            return new KafkaDeliveryResult(result.Topic, result.Partition.Value, result.Offset.Value);
        }
        catch (ProduceException<byte[]?, byte[]?> e) when (e.Error.Code == ErrorCode.Local_MsgTimedOut || e.DeliveryResult?.Status == PersistenceStatus.PossiblyPersisted)
        {
            // A record whose acknowledgement did not arrive may have been written all the same (the request reached
            // the broker, the answer did not come back in time): never claim it was not.
            throw new KafkaPublishException(
                $"Message {message.MessageId} to topic '{destination.Topic}' was not acknowledged: {e.Error.Reason} ({e.Error.Code}). It may or may not have been written; sending it again can duplicate it.", e);
        }
        catch (ProduceException<byte[]?, byte[]?> e)
        {
            throw new KafkaPublishException(
                $"Message {message.MessageId} was not written to topic '{destination.Topic}': {e.Error.Reason} ({e.Error.Code}).", e);
        }
        catch (KafkaException e)
        {
            throw new KafkaPublishException(
                $"Message {message.MessageId} was not written to topic '{destination.Topic}': {e.Error.Reason} ({e.Error.Code}).", e);
        }
    }
}
