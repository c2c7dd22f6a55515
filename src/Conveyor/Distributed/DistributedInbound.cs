using System.Collections.Frozen;
using System.Diagnostics;
using System.Reflection;
using Conveyor.Channels;
using Conveyor.Diagnostics.Telemetry;
using Conveyor.Runtime;
using Microsoft.Extensions.Logging;

namespace Conveyor.Distributed;

/// <summary>
/// Routes a message that came through a distributed bus (it carries <see cref="DistributedHeaders.Map"/>) to the
/// <see cref="DistributedAttribute"/> handlers of this service. A command no such handler takes is a
/// <see cref="MessageRoutingException"/> that says why, so it reaches the dead letter; an event none wants is
/// finished and counted (<see cref="ConveyorMetrics.DistributedEventsUnhandled"/>), since a service subscribing to more
/// than it handles is no failure.
/// </summary>
internal sealed class DistributedInbound
{
    private readonly ConveyorRuntime _runtime;
    private readonly FrozenDictionary<string, DistributedBusRegistration> _maps;
    private readonly FrozenSet<string> _distributed;
    private readonly ConveyorMetrics _metrics;
    private readonly ILogger<DistributedInbound> _logger;

    public DistributedInbound(ConveyorRuntime runtime, IEnumerable<DistributedBusRegistration> registrations, ConveyorMetrics metrics, ILogger<DistributedInbound> logger)
    {
        _metrics = metrics;
        _runtime = runtime;
        _maps = registrations.ToFrozenDictionary(r => r.Map.Name, StringComparer.Ordinal);
        _distributed = runtime.Endpoints.Values.Where(e => e.Info.Method.IsDefined(typeof(DistributedAttribute))).Select(e => e.Id).ToFrozenSet(StringComparer.Ordinal);
        _logger = logger;
    }

    /// <summary>Whether <paramref name="inbound"/> came through a distributed bus.</summary>
    public static bool IsDistributed(InboundMessage inbound) => inbound.Message.Headers.Get(DistributedHeaders.Map) is not null;

    /// <summary>The endpoint, or the endpoints to fan out to; an empty fan-out when the message is finished as it is.</summary>
    public (RuntimeEndpoint? Endpoint, IReadOnlyList<RuntimeEndpoint>? FanOut) Route(InboundMessage inbound)
    {
        var headers = inbound.Message.Headers;
        var map = headers.Get(DistributedHeaders.Map)!;
        var source = headers.Get(DistributedHeaders.Source) ?? "(unknown)";
        var routingKey = headers.RoutingKey
            ?? throw new MessageRoutingException($"The distributed message from service '{source}' has no '{MessageHeaderNames.RoutingKey}' header, so no handler can be chosen. Fix its sender, then replay it.");

        if (headers.TargetEndpoint is { } target)
        {
            // A copy of an event this service fanned out to one of its handlers.
            return (_runtime.Endpoints.TryGetValue(target, out var addressed) && _distributed.Contains(target)
                ? addressed
                : throw new MessageRoutingException($"The distributed message '{routingKey}' is addressed to endpoint '{target}', which this service does not have as a [Distributed] handler. Deploy it, then replay the message from the dead letter."), null);
        }

        if (headers.Get(MessageHeaderNames.MessageKind) == "command")
        {
            return (Command(routingKey, source, map), null);
        }

        var wanting = Event(routingKey, source, map);
        return wanting.Length == 1 ? (wanting[0], null) : (null, wanting);
    }

    private RuntimeEndpoint Command(string routingKey, string source, string map)
    {
        var endpoint = _runtime.CommandsByKey.GetValueOrDefault(routingKey)
            ?? _runtime.CommandsByType.Values.FirstOrDefault(e => MessageNames.Of(e.PayloadType!) == routingKey)
            ?? throw new MessageRoutingException(
                $"Service '{ServiceName(map)}' has no command handler with routing key '{routingKey}' (sent by service '{source}' through service map '{map}'). Add [Distributed, CommandHandler(\"{routingKey}\")] to the handler, or fix the sender's routing key; then replay the message from the dead letter.");
        return _distributed.Contains(endpoint.Id)
            ? endpoint
            : throw new MessageRoutingException(
                $"Command handler '{endpoint.Id}' of service '{ServiceName(map)}' takes routing key '{routingKey}' but is not marked [Distributed], so other services may not call it (sent by service '{source}'). Mark it [Distributed] if it is meant to be reached, then replay the message from the dead letter.");
    }

    private RuntimeEndpoint[] Event(string routingKey, string source, string map)
    {
        RuntimeEndpoint[] endpoints = Wants(map, source, routingKey)
            ? [.. _runtime.EventsFor(routingKey).Where(e => _distributed.Contains(e.Id))]
            : [];
        if (endpoints.Length == 0)
        {
            _metrics.DistributedEventsUnhandled.Add(1, new TagList { { "map", map }, { "service", ServiceName(map) }, { "routing_key", routingKey } });
            DistributedLog.EventUnwanted(_logger, routingKey, source, map);
        }

        return endpoints;
    }

    /// <summary>
    /// Whether this service's own entry of the map wants the event. The sender filtered already; filtering again keeps
    /// this service's rules when the two services run different versions of the map (one deployed before the other).
    /// </summary>
    private bool Wants(string map, string source, string routingKey)
    {
        if (_maps.GetValueOrDefault(map) is not { } registration || !registration.Map.Services.TryGetValue(registration.ServiceName, out var own))
        {
            return true;
        }

        return source != registration.ServiceName && own.Wants(source, routingKey);
    }

    private string ServiceName(string map) => _maps.GetValueOrDefault(map)?.ServiceName ?? "(this service)";
}
