namespace Conveyor.Kafka.Tests.Infrastructure;

/// <summary>A test that injects faults, so needs the embedded cluster: skipped on a real cluster.</summary>
public sealed class EmbeddedKafkaFactAttribute : FactAttribute
{
    public EmbeddedKafkaFactAttribute()
    {
        if (KafkaTestCluster.UsesRealCluster)
        {
            Skip = $"Injects faults through the embedded cluster; {KafkaTestCluster.BootstrapServersVariable} points at a real cluster.";
        }
    }
}
