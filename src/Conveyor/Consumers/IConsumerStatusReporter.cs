namespace Conveyor;

/// <summary>
/// What a transport reports about its consumers to the <see cref="IConsumerStatusRegistry"/>: the parts of its source
/// it was given and lost (for Kafka: <c>topic[partition]</c>). Resolve it from DI.
/// </summary>
public interface IConsumerStatusReporter
{
    /// <summary>Adds <paramref name="partitions"/> to what consumer <paramref name="name"/> reads.</summary>
    /// <param name="name">The consumer's name (its channel or endpoint).</param>
    /// <param name="partitions">The parts assigned, named as operators know them.</param>
    void PartitionsAssigned(string name, IEnumerable<string> partitions);

    /// <summary>Removes <paramref name="partitions"/> from what consumer <paramref name="name"/> reads (revoked or lost).</summary>
    /// <param name="name">The consumer's name.</param>
    /// <param name="partitions">The parts removed.</param>
    void PartitionsRemoved(string name, IEnumerable<string> partitions);
}
