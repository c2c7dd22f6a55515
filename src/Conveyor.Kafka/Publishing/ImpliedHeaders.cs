using Conveyor.Channels;

namespace Conveyor.Kafka.Publishing;

/// <summary>
/// The headers a channel's records may leave off because the receiving channel restores or does not need them
/// (<see cref="KafkaRecords.From"/>): given to the records a channel writes to its own topics, never to records for
/// other consumers (named publishers, dead-letter topics).
/// </summary>
/// <param name="channel">The channel that writes and reads the records.</param>
/// <param name="routing">The application's routing, which tells when the target endpoint is implied; none when the channel runs outside an application.</param>
internal sealed class ImpliedHeaders(string channel, IChannelRouting? routing)
{
    /// <summary>Whether the record of a message addressed to <paramref name="endpointId"/> reaches it without naming it.</summary>
    public bool TargetEndpoint(string endpointId, MessageHeaders headers) =>
        routing?.ImpliesTargetEndpoint(channel, endpointId, headers.RoutingKey ?? headers.MessageName) == true;
}
