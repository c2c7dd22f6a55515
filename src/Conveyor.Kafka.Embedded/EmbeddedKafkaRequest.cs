namespace Conveyor.Kafka.Embedded;

/// <summary>A request a broker of the embedded cluster received while request tracking was on.</summary>
/// <param name="BrokerId">The broker that received the request.</param>
/// <param name="ApiKey">The request type.</param>
/// <param name="TimestampMicroseconds">When it arrived, on librdkafka's monotonic clock in microseconds: only differences are meaningful.</param>
public readonly record struct EmbeddedKafkaRequest(int BrokerId, KafkaApiKey ApiKey, long TimestampMicroseconds);
