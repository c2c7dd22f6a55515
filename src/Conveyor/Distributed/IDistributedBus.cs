namespace Conveyor;

/// <summary>
/// Sends commands to, and publishes events for, the other services of a <see cref="ServiceMap"/>. Inject it for the
/// map registered first, or <c>[FromKeyedServices("map name")] IDistributedBus</c> for any map. Called from a
/// handler, its messages leave once the handler succeeded, in its unit of work (an outbox writes them there).
/// </summary>
public interface IDistributedBus
{
    /// <summary>The name of the service this bus sends as.</summary>
    string ServiceName { get; }

    /// <summary>The service map this bus routes by.</summary>
    ServiceMap Map { get; }

    /// <summary>
    /// Sends <paramref name="command"/> to the channel of <paramref name="targetService"/>, where the
    /// <see cref="DistributedAttribute"/> command handler with <paramref name="routingKey"/> handles it. A key the
    /// service does not know still arrives and is dead-lettered there, with the reason: nothing is lost.
    /// </summary>
    /// <param name="targetService">The service's name in the map.</param>
    /// <param name="routingKey">The command handler's routing key, e.g. <c>ticket.create</c>.</param>
    /// <param name="command">The payload: an object, a JSON string or bytes.</param>
    /// <param name="metadata">Headers to add, or null.</param>
    /// <param name="cancellationToken">Cancels the send.</param>
    /// <returns>A task that completes when the target's channel stored the command (or the handler holds it).</returns>
    /// <exception cref="MessageRoutingException"><paramref name="targetService"/> is not in the map.</exception>
    ValueTask SendCommandAsync(string targetService, string routingKey, object command, IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Publishes <paramref name="event"/> to every other service of the map whose subscription keys match
    /// <paramref name="routingKey"/> and that accepts events from this service; never to this service itself.
    /// </summary>
    /// <param name="routingKey">The event's routing key, e.g. <c>user.registered</c>.</param>
    /// <param name="event">The payload: an object, a JSON string or bytes.</param>
    /// <param name="metadata">Headers to add, or null.</param>
    /// <param name="cancellationToken">Cancels the publish.</param>
    /// <returns>A task that completes when every receiving service's channel stored a copy (or the handler holds them).</returns>
    ValueTask PublishEventAsync(string routingKey, object @event, IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default);
}
