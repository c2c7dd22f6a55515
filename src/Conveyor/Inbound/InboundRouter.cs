using Conveyor.Channels;
using Conveyor.Distributed;
using Conveyor.Runtime;

namespace Conveyor.Inbound;

/// <summary>
/// The first step of the inbound pipeline: finds the endpoint a received message is for — the consumer endpoint that
/// owns its source, the endpoint it is addressed to, or the endpoints on its channel that accept its name. A message
/// no endpoint can take is a <see cref="MessageRoutingException"/> that names why, so it reaches the dead letter. A
/// message that came through a distributed bus is routed by <see cref="DistributedInbound"/>.
/// </summary>
internal sealed class InboundRouter(ConveyorRuntime runtime, DistributedInbound? distributed = null)
{
    // Endpoints do not change once the runtime is built: a channel's answer for a name is kept (up to a bound, since
    // names come from producers), so routing by name costs a lookup per message, not a scan of every endpoint.
    private const int MaxKeptRoutes = 4_096;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<(string Channel, string? Name), (List<RuntimeEndpoint> OnChannel, List<RuntimeEndpoint>? Matching)> _byName = new();

    /// <summary>The endpoint for <paramref name="inbound"/>, or the endpoints to fan it out to when several accept it.</summary>
    public (RuntimeEndpoint? Endpoint, IReadOnlyList<RuntimeEndpoint>? FanOut) Route(InboundMessage inbound)
    {
        var headers = inbound.Message.Headers;
        if (runtime.Endpoints.GetValueOrDefault(inbound.ChannelName) is { Info.Kind: EndpointKind.Consumer } owner)
        {
            // A consumer endpoint owns everything on its source, whatever a foreign producer's headers say.
            return (owner, null);
        }

        if (distributed is not null && DistributedInbound.IsDistributed(inbound))
        {
            return distributed.Route(inbound);
        }

        var name = headers.RoutingKey ?? headers.MessageName;
        if (headers.TargetEndpoint is { } target)
        {
            var addressed = runtime.Endpoints.GetValueOrDefault(target)
                ?? throw new MessageRoutingException(
                    $"The message is addressed to endpoint '{target}', which this service does not have. Deploy the endpoint, then replay the message from the dead letter.");
            if (name is not null && !MayTake(addressed, headers))
            {
                throw new MessageRoutingException(
                    $"The message is addressed to endpoint '{target}', which handles {Describe(addressed)}, but the message is '{name}'. It was addressed to the wrong endpoint; fix its producer, then replay it.");
            }

            return (addressed, null);
        }

        var key = (inbound.ChannelName, name);
        if (!_byName.TryGetValue(key, out var routes))
        {
            routes = ByName(runtime, inbound.ChannelName, name);
            if (_byName.Count < MaxKeptRoutes)
            {
                _byName.TryAdd(key, routes);
            }
        }

        var (onChannel, matching) = routes;
        if (matching is null)
        {
            throw new MessageRoutingException(
                $"The message on channel '{inbound.ChannelName}' has neither a '{MessageHeaderNames.TargetEndpoint}', '{MessageHeaderNames.RoutingKey}' nor '{MessageHeaderNames.MessageName}' header, so no handler can be chosen.");
        }

        return matching.Count switch
        {
            0 => throw new MessageRoutingException(
                $"No handler on channel '{inbound.ChannelName}' accepts message name '{name}'. Known names here: {string.Join(", ", onChannel.Select(Describe).Distinct())}."),
            1 => (matching[0], null),
            _ => (null, matching),
        };
    }

    /// <summary>
    /// Whether a message named <paramref name="name"/> (its routing key, else its message name) on
    /// <paramref name="channel"/> reaches <paramref name="endpointId"/>, and only it, without a
    /// <see cref="MessageHeaderNames.TargetEndpoint"/> header: a transport may then leave the header off the wire
    /// (not for a distributed message, which is routed by <see cref="DistributedInbound"/>).
    /// </summary>
    public static bool ImpliesTarget(ConveyorRuntime runtime, string channel, string endpointId, string? name)
    {
        if (runtime.Endpoints.GetValueOrDefault(channel) is { Info.Kind: EndpointKind.Consumer } owner)
        {
            return owner.Id == endpointId;
        }

        return ByName(runtime, channel, name).Matching is [var only] && only.Id == endpointId;
    }

    /// <summary>
    /// The endpoints a message without a target endpoint is for: the one handler of a dynamic channel's sub-channel
    /// (it takes the dynamic channel's messages), else those on the channel that accept <paramref name="name"/>;
    /// null when there is no name to go by.
    /// </summary>
    private static (List<RuntimeEndpoint> OnChannel, List<RuntimeEndpoint>? Matching) ByName(ConveyorRuntime runtime, string channel, string? name)
    {
        var onChannel = runtime.EndpointsReceiving(channel).ToList();
        if (onChannel.Count == 1 && onChannel[0].Info.Kind is EndpointKind.Internal)
        {
            return (onChannel, onChannel);
        }

        return (onChannel, name is null ? null : onChannel.Where(e => Accepts(e, name)).ToList());
    }

    private static bool Accepts(RuntimeEndpoint endpoint, string name) =>
        endpoint.Info.Routing is { } routing
            ? RoutingPattern.Matches(routing, name)
            : endpoint.PayloadType is { } type && MessageNames.Of(type) == name;

    /// <summary>
    /// Whether an addressed endpoint can take a message of this name. Only a sealed payload type is checked: an endpoint
    /// for a base type or interface takes names this service cannot tell apart without reading CLR types from the wire,
    /// which it never does; one for raw text or bytes takes anything.
    /// </summary>
    private static bool MayTake(RuntimeEndpoint endpoint, MessageHeaders headers)
    {
        if (endpoint.Info.Kind is EndpointKind.Consumer or EndpointKind.Internal)
        {
            return true;
        }

        if (endpoint.Info.Routing is { } routing)
        {
            return (headers.RoutingKey is { } key && RoutingPattern.Matches(routing, key))
                || (headers.MessageName is { } messageName && RoutingPattern.Matches(routing, messageName))
                || !IsCheckable(endpoint.PayloadType)
                || headers.MessageName == MessageNames.Of(endpoint.PayloadType!);
        }

        return !IsCheckable(endpoint.PayloadType) || headers.MessageName is null || headers.MessageName == MessageNames.Of(endpoint.PayloadType!);
    }

    private static bool IsCheckable(Type? type) =>
        type is not null && (type.IsSealed || type.IsValueType) && type != typeof(string) && type != typeof(byte[]) && type != typeof(ReadOnlyMemory<byte>)
        && type.FullName != "System.Text.Json.JsonElement";

    private static string Describe(RuntimeEndpoint endpoint) => endpoint.Info.Routing ?? (endpoint.PayloadType is { } type ? MessageNames.Of(type) : "(no payload)");
}
