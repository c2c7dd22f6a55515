namespace Conveyor.Kafka;

/// <summary>A named publisher's topic and client settings.</summary>
public sealed class KafkaPublisherOptions
{
    /// <summary>The topic it writes to.</summary>
    public string? Topic { get; set; }

    /// <summary>librdkafka producer properties for this publisher, e.g. <c>acks</c>.</summary>
    public Dictionary<string, string> Producer { get; set; } = new(StringComparer.Ordinal);
}
