using System.Runtime.CompilerServices;
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
        var slot = (RuntimeHelpers.GetHashCode(endpointId) ^ (name is null ? 0 : RuntimeHelpers.GetHashCode(name))) & (_answers.Length - 1);
        if (_answers[slot] is { } answer && ReferenceEquals(answer.EndpointId, endpointId) && ReferenceEquals(answer.Name, name))
        {
            return answer.Implied;
        }

        var implied = routing?.ImpliesTargetEndpoint(channel, endpointId, name) == true;
        _answers[slot] = new Answer(endpointId, name, implied);
        return implied;
    }

    // The latest answers, found by the strings' identity: a channel's records ask the same few questions with the same
    // strings (the endpoints' ids, the message names), so the routing's table, keyed by the strings' contents, is not
    // hashed for every record. A slot taken by another question, or a string made per message (a routing key), only
    // asks the routing again. Answers are immutable, so a slot is read and replaced without a lock.
    private readonly Answer?[] _answers = new Answer?[16];

    private sealed record Answer(string EndpointId, string? Name, bool Implied);
}
