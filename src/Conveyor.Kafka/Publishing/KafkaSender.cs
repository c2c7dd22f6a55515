using Confluent.Kafka;

namespace Conveyor.Kafka.Publishing;

/// <summary>
/// Writes a transport message to a topic (or one partition of it) and waits for the broker's acknowledgement. The
/// record is handed to the producer with <c>Produce</c> and a pooled <see cref="KafkaDelivery"/> (no task per record),
/// so a caller handing over many records before awaiting any (a batch) gets them batched by librdkafka. While the
/// producer's local queue is full (<c>queue.buffering.max.messages</c>, <c>queue.buffering.max.kbytes</c>) the
/// hand-over blocks the calling thread until there is room, like librdkafka's blocking produce: retrying later
/// instead would let the records behind it overtake it and break the order of its key. While a record of an
/// exactly-once consumer is handled, the write goes through that consumer's transactional producer instead.
/// </summary>
internal static class KafkaSender
{
    private static readonly TimeSpan QueueFullWait = TimeSpan.FromMilliseconds(1);

    // One record per thread, reused from send to send (KafkaRecords.ReusableRecord); taken while it is being filled
    // and produced, so that a send made meanwhile on the thread (none is, but nothing forbids it) makes its own.
    [ThreadStatic]
    private static KafkaRecords.ReusableRecord? t_spareRecord;

    /// <summary>Sends and completes on the acknowledgement, with where the record was written.</summary>
    public static ValueTask<KafkaDeliveryResult> SendAsync(
        IProducer<byte[]?, byte[]?> producer,
        TopicPartition destination,
        TransportMessage message,
        CancellationToken cancellationToken,
        ImpliedHeaders? implied = null,
        Action<TopicPartition, long>? onWritten = null)
    {
        try
        {
            var lease = ConsumerEngine.Transactions.TransactionLease.Current;
            var delivery = Produce(producer, lease, destination, message, implied, onWritten, cancellationToken);
            var sent = new ValueTask<KafkaDeliveryResult>(delivery, delivery.Await(cancellationToken));
            return lease is null ? sent : lease.Watch(sent, destination.Topic, message.Body.Length);
        }
        catch (Exception e)
        {
            return ValueTask.FromException<KafkaDeliveryResult>(e);
        }
    }

    /// <summary>Sends and completes on the acknowledgement, without building a result (the buses' path).</summary>
    public static ValueTask SendWithoutResultAsync(
        IProducer<byte[]?, byte[]?> producer,
        TopicPartition destination,
        TransportMessage message,
        CancellationToken cancellationToken,
        ImpliedHeaders? implied = null,
        Action<TopicPartition, long>? onWritten = null)
    {
        try
        {
            var lease = ConsumerEngine.Transactions.TransactionLease.Current;
            var delivery = Produce(producer, lease, destination, message, implied, onWritten, cancellationToken);
            var sent = new ValueTask(delivery, delivery.Await(cancellationToken));
            return lease is null ? sent : lease.Watch(sent, destination.Topic, message.Body.Length);
        }
        catch (Exception e)
        {
            return ValueTask.FromException(e);
        }
    }

    private static KafkaDelivery Produce(
        IProducer<byte[]?, byte[]?> producer,
        ConsumerEngine.Transactions.TransactionLease? lease,
        TopicPartition destination,
        TransportMessage message,
        ImpliedHeaders? implied,
        Action<TopicPartition, long>? onWritten,
        CancellationToken cancellationToken)
    {
        // Handling a record of an exactly-once consumer: the write joins that consumer's transaction, unless the broker
        // refused it for good in an earlier attempt of the record (sending it again would abort the transaction again).
        if (lease is not null)
        {
            lease.ThrowIfRefusedBefore(destination.Topic, message.MessageId, message.Body.Length);
            producer = lease.ProducerForSend();
        }

        var spare = t_spareRecord ?? new KafkaRecords.ReusableRecord();
        t_spareRecord = null;
        var record = KafkaRecords.From(message, implied, spare);
        var delivery = KafkaDelivery.Rent(message.MessageId, destination.Topic, onWritten);
        while (true)
        {
            try
            {
                cancellationToken.ThrowIfCancellationRequested();
                producer.Produce(destination, record, delivery.Handler);

                // The spare holds nothing of this message.
                spare.Clear();
                t_spareRecord = spare;
                return delivery;
            }
            catch (ProduceException<byte[]?, byte[]?> e) when (e.Error.Code == ErrorCode.Local_QueueFull)
            {
                Thread.Sleep(QueueFullWait);
            }
            catch (Exception e) when (e is ProduceException<byte[]?, byte[]?> or KafkaException)
            {
                delivery.Abandon();
                throw Translate(e, message.MessageId, destination.Topic);
            }
            catch
            {
                delivery.Abandon();
                throw;
            }
        }
    }

    /// <summary>Whether the record was refused for its size: larger than the producer's <c>message.max.bytes</c> or the topic's <c>max.message.bytes</c>.</summary>
    public static bool IsTooLarge(KafkaPublishException exception) =>
        exception.InnerException is KafkaException { Error.Code: ErrorCode.MsgSizeTooLarge or ErrorCode.RecordListTooLarge };

    public static KafkaPublishException Translate(Exception exception, string? messageId, string topic) => exception switch
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
