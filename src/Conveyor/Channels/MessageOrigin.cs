namespace Conveyor.Channels;

/// <summary>
/// Where a received message was read from, as the transport holds it (<see cref="InboundMessage.Origin"/>): what the
/// message's trace span names as <c>messaging.destination.name</c>, <c>messaging.destination.partition.id</c> and
/// <c>messaging.kafka.offset</c>, read without turning the transport's metadata headers (<c>kafka_topic</c>…) into
/// strings for every traced message.
/// </summary>
/// <param name="Source">The source it was read from when it is not the channel's own name (a Kafka topic), or null.</param>
/// <param name="PartitionId">The partition it was read from, as the semantic conventions write it (a string), or null.</param>
/// <param name="Offset">Its offset in the partition (on Kafka, the record's offset), or null.</param>
public readonly record struct MessageOrigin(string? Source, string? PartitionId, long? Offset);
