namespace Conveyor.Kafka.Tests.Reliability;

/// <summary>
/// The reliability tests run one after another: each loads the two cores with a cluster, publishers and consumers,
/// and their deadlines assume they do not compete with each other.
/// </summary>
[CollectionDefinition(Name)]
public sealed class ReliabilityCollection
{
    public const string Name = "Reliability";
}
