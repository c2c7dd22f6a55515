namespace Conveyor.Kafka;

/// <summary>
/// Creates topics on a cluster that does not serve the Kafka CreateTopics admin request, such as the embedded
/// Kafka-protocol cluster (<c>Conveyor.Kafka.Embedded</c>). When one is registered in the service provider, the
/// topics Conveyor creates (with <see cref="KafkaOptions.CreateMissingTopics"/> on) are created through it instead
/// of through an admin client.
/// </summary>
public interface IKafkaTopicCreator
{
    /// <summary>Creates a topic that does not exist yet.</summary>
    /// <param name="name">The topic name.</param>
    /// <param name="partitions">Number of partitions, at least 1.</param>
    /// <param name="replicationFactor">Replicas per partition.</param>
    void CreateTopic(string name, int partitions, int replicationFactor);
}
