namespace Conveyor.Kafka;

/// <summary>How a Kafka consumer orders the records it processes.</summary>
public enum KafkaOrderingMode
{
    /// <summary>
    /// One record at a time per partition, in offset order; different partitions are processed concurrently.
    /// The default, and what Kafka itself promises.
    /// </summary>
    PartitionSequential,

    /// <summary>
    /// Records of one partition with different keys are processed in parallel, records with the same key
    /// strictly in offset order (records without a key are ordered among themselves per partition), up to
    /// <see cref="KafkaConsumerOptions.MaxDegreeOfParallelism"/> records at a time for the consumer.
    /// Offsets are still committed only up to the lowest unfinished one.
    /// </summary>
    KeyParallel,
}
