namespace Conveyor;

/// <summary>
/// The base of attributes that feed a handler straight from an inbound source of its own, such as
/// <c>[KafkaConsumer]</c> on a topic written by foreign producers. The transport that owns the attribute
/// provides the channel, named after the endpoint id.
/// </summary>
/// <param name="endpointId">The endpoint id; also the name to run the consumer by.</param>
public abstract class ConsumerEndpointAttribute(string endpointId) : HandlerAttribute
{
    /// <summary>The endpoint id given in the constructor.</summary>
    public string ConsumerEndpointId { get; } = endpointId;
}
