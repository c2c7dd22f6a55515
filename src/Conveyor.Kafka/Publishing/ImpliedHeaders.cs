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
    /// <param name="endpointId">The endpoint the message is addressed to.</param>
    /// <param name="name">The message's routing key, else its name.</param>
    public bool TargetEndpoint(string endpointId, string? name)
    {
        ref var last = ref t_last;
        if (ReferenceEquals(last.Channel, this) && ReferenceEquals(last.EndpointId, endpointId) && ReferenceEquals(last.Name, name))
        {
            return last.Implied;
        }

        var implied = routing?.ImpliesTargetEndpoint(channel, endpointId, name) == true;
        last = new LastAnswer(this, endpointId, name, implied);
        return implied;
    }

    // The last answer on this thread, matched by reference: a thread that sends one kind of message asks the same
    // question for every record, with the same strings (the endpoint's id, the message name), so the routing's table,
    // keyed by the three strings' contents, is not hashed per record.
    [ThreadStatic]
    private static LastAnswer t_last;

    private readonly record struct LastAnswer(ImpliedHeaders Channel, string EndpointId, string? Name, bool Implied);
}
