namespace Conveyor.Channels;

/// <summary>
/// How this application routes what it receives on a channel, for a transport that leaves off the wire what the
/// receiving side can tell without it. Resolve it from DI.
/// </summary>
public interface IChannelRouting
{
    /// <summary>
    /// Whether a message named <paramref name="name"/> (its routing key, else its message name) received on
    /// <paramref name="channel"/> reaches <paramref name="endpointId"/>, and only it, without a
    /// <see cref="MessageHeaderNames.TargetEndpoint"/> header: the endpoint is then the only one on the channel
    /// that takes the name. Not for a message of a distributed bus, which is routed by its own headers.
    /// </summary>
    /// <param name="channel">The channel the message is sent on.</param>
    /// <param name="endpointId">The endpoint it is addressed to.</param>
    /// <param name="name">Its routing key, else its message name; null when it has neither.</param>
    /// <returns><see langword="true"/> when the header may be left off.</returns>
    bool ImpliesTargetEndpoint(string channel, string endpointId, string? name);
}
