using Confluent.Kafka;

namespace Conveyor.Kafka.Embedded;

/// <summary>
/// A call into librdkafka's mock cluster failed. <see cref="KafkaException.Error"/> carries the
/// librdkafka error code, and the message names the operation, the topic or broker and the error.
/// </summary>
public sealed class EmbeddedKafkaException : KafkaException
{
    /// <summary>Creates the exception for a failed mock call.</summary>
    /// <param name="nativeFunction">The librdkafka function that returned the error.</param>
    /// <param name="operation">What was attempted, naming the topic or broker.</param>
    /// <param name="code">The error librdkafka returned.</param>
    public EmbeddedKafkaException(string nativeFunction, string operation, ErrorCode code)
        : base(new Error(code, $"Embedded Kafka: could not {operation}: {nativeFunction} returned {code} ({code.GetReason()})."))
    {
        NativeFunction = nativeFunction;
    }

    /// <summary>The librdkafka function that returned the error, e.g. <c>rd_kafka_mock_topic_create</c>.</summary>
    public string NativeFunction { get; }
}
