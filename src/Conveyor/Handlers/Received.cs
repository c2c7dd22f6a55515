namespace Conveyor;

/// <summary>
/// One message of a batch, with the headers it came with: what a batch handler takes as
/// <c>IReadOnlyList&lt;Received&lt;T&gt;&gt;</c> when it needs more than the payloads. Transport metadata is in
/// <see cref="Headers"/> (on Kafka: <c>kafka_topic</c>, <c>kafka_partition</c>, <c>kafka_offset</c>,
/// <c>kafka_timestamp</c>, <c>kafka_key</c>, read typed with <c>Conveyor.Kafka</c>'s <c>received.Kafka()</c>).
/// </summary>
/// <typeparam name="T">The payload type.</typeparam>
public sealed class Received<T>
{
    /// <summary>A received message; Conveyor creates these for a batch handler, a unit test of one may too.</summary>
    /// <param name="message">The payload.</param>
    /// <param name="headers">Its headers.</param>
    public Received(T message, MessageHeaders headers)
    {
        ArgumentNullException.ThrowIfNull(headers);
        Message = message;
        Headers = headers;
    }

    /// <summary>The payload.</summary>
    public T Message { get; }

    /// <summary>The message's headers.</summary>
    public MessageHeaders Headers { get; }

    /// <summary>The message id, when the sender gave one.</summary>
    public string? MessageId => Headers.MessageId;
}
