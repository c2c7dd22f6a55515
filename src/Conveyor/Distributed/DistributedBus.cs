using Conveyor.Handlers;
using Conveyor.Outgoing;

namespace Conveyor.Distributed;

/// <summary>
/// Routes by the service map on the sending side: one message to the target's channel for a command, one copy per
/// wanting service for an event. Messages take the outgoing path (middleware, an outbox, the scheduler); sent from a
/// handler, they wait for it to succeed, like every message a handler sends. With an asynchronous channel, each goes
/// there first, marked with where to forward it (<see cref="DistributedHeaders.ForwardTo"/>).
/// </summary>
internal sealed class DistributedBus(DistributedBusRegistration registration, MessageSender sender) : IDistributedBus
{
    public string ServiceName => registration.ServiceName;

    public ServiceMap Map => registration.Map;

    public ValueTask SendCommandAsync(string targetService, string routingKey, object command, IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(targetService);
        ArgumentException.ThrowIfNullOrEmpty(routingKey);
        ArgumentNullException.ThrowIfNull(command);
        var target = Map.Services.TryGetValue(targetService, out var entry)
            ? entry
            : throw new MessageRoutingException(
                $"Service map '{Map.Name}' has no service '{targetService}'.{Runtime.NameSuggestions.DidYouMean(targetService, Map.Services.Keys)} Known services: {string.Join(", ", Map.Services.Keys)}.");
        return SendAsync(target.Channel, routingKey, command, metadata, EndpointKind.Command, HandlerContext.Current, cancellationToken);
    }

    public ValueTask PublishEventAsync(string routingKey, object @event, IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(routingKey);
        ArgumentNullException.ThrowIfNull(@event);
        var receivers = Map.Services
            .Where(s => s.Key != ServiceName && s.Value.Wants(ServiceName, routingKey))
            .Select(s => s.Value.Channel)
            .ToList();
        return receivers.Count switch
        {
            0 => ValueTask.CompletedTask,
            1 => SendAsync(receivers[0], routingKey, @event, metadata, EndpointKind.Event, HandlerContext.Current, cancellationToken),
            _ => PublishToEachAsync(receivers, routingKey, @event, metadata, HandlerContext.Current, cancellationToken),
        };
    }

    private async ValueTask PublishToEachAsync(List<string> channels, string routingKey, object @event, IReadOnlyDictionary<string, string>? metadata, HandlerContext? parent, CancellationToken cancellationToken)
    {
        foreach (var channel in channels)
        {
            await SendAsync(channel, routingKey, @event, metadata, EndpointKind.Event, parent, cancellationToken).ConfigureAwait(false);
        }
    }

    private ValueTask SendAsync(string channel, string routingKey, object payload, IReadOnlyDictionary<string, string>? metadata, EndpointKind kind, HandlerContext? parent, CancellationToken cancellationToken)
    {
        var message = sender.Create(payload, metadata, parent, kind);
        // The routing key is the contract between services, not either side's CLR type: it is the message's name too.
        message.Headers.Set(MessageHeaderNames.RoutingKey, routingKey);
        message.Headers.Set(MessageHeaderNames.MessageName, routingKey);
        message.Headers.Set(DistributedHeaders.Map, Map.Name);
        message.Headers.Set(DistributedHeaders.Source, ServiceName);
        if (registration.AsynchronousChannel is { } first)
        {
            message.Headers.Set(DistributedHeaders.ForwardTo, channel);
            channel = first;
        }

        var outgoing = new OutgoingMessage(message, channel, OutgoingIntent.Send);
        if (parent?.Pending is { } pending)
        {
            pending.Add(outgoing);
            return ValueTask.CompletedTask;
        }

        return sender.SendAsync(outgoing, cancellationToken);
    }
}
