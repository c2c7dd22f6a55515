using Confluent.Kafka;

namespace Conveyor.Kafka.Publishing;

/// <summary>Writes a transport message to a topic (or one partition of it) and waits for the broker's acknowledgement.</summary>
internal static class KafkaSender
{
    public static Task<KafkaDeliveryResult> SendAsync(
        IProducer<byte[]?, byte[]?> producer,
        TopicPartition destination,
        TransportMessage message,
        CancellationToken cancellationToken,
        bool omitImpliedHeaders = false)
    {
        Task<DeliveryResult<byte[]?, byte[]?>> producing;
        try
        {
            producing = producer.ProduceAsync(destination, KafkaRecords.From(message, omitImpliedHeaders), cancellationToken);
        }
        catch (Exception e) when (e is ProduceException<byte[]?, byte[]?> or KafkaException)
        {
            return Task.FromException<KafkaDeliveryResult>(Translate(e, message.MessageId, destination.Topic));
        }

        // Awaited by a method that holds only the message id and the topic, not the message: thousands of sends in
        // flight would otherwise keep their messages, headers and bodies alive until the broker answers.
        return AcknowledgedAsync(producing, message.MessageId, destination.Topic);
    }

    private static async Task<KafkaDeliveryResult> AcknowledgedAsync(Task<DeliveryResult<byte[]?, byte[]?>> producing, string? messageId, string topic)
    {
        try
        {
            var result = await producing.ConfigureAwait(false);
            return new KafkaDeliveryResult(result.Topic, result.Partition.Value, result.Offset.Value);
        }
        catch (Exception e) when (e is ProduceException<byte[]?, byte[]?> or KafkaException)
        {
            throw Translate(e, messageId, topic);
        }
    }

    /// <summary>Whether the record was refused for its size: larger than the producer's <c>message.max.bytes</c> or the topic's <c>max.message.bytes</c>.</summary>
    public static bool IsTooLarge(KafkaPublishException exception) =>
        exception.InnerException is KafkaException { Error.Code: ErrorCode.MsgSizeTooLarge or ErrorCode.RecordListTooLarge };

    private static KafkaPublishException Translate(Exception exception, string? messageId, string topic) => exception switch
    {
        // A record whose acknowledgement did not arrive may have been written all the same (the request reached
        // the broker, the answer did not come back in time): never claim it was not.
        ProduceException<byte[]?, byte[]?> e when e.Error.Code == ErrorCode.Local_MsgTimedOut || e.DeliveryResult?.Status == PersistenceStatus.PossiblyPersisted =>
            new KafkaPublishException(
                $"Message {messageId} to topic '{topic}' was not acknowledged: {e.Error.Reason} ({e.Error.Code}). It may or may not have been written; sending it again can duplicate it.", e),
        KafkaException e => new KafkaPublishException($"Message {messageId} was not written to topic '{topic}': {e.Error.Reason} ({e.Error.Code}).", e),
        _ => new KafkaPublishException($"Message {messageId} was not written to topic '{topic}': {exception.Message}", exception),
    };
}
