namespace Conveyor.Kafka.ConsumerEngine;

/// <summary>The observer used when none is given.</summary>
internal sealed class NullConsumerObserver : IKafkaConsumerObserver
{
    public static NullConsumerObserver Instance { get; } = new();
}
