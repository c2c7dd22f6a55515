namespace Conveyor;

/// <summary>Publishes events to every subscribed handler; each asynchronous subscriber gets its own copy.</summary>
public interface IEventBus
{
    /// <summary>Publishes <paramref name="event"/> to the handlers of its type (and its base types and interfaces) and of its name.</summary>
    /// <param name="event">The event.</param>
    /// <param name="cancellationToken">Cancels the publish.</param>
    /// <returns>A task that completes when synchronous handlers finished and every asynchronous copy is stored.</returns>
    ValueTask PublishAsync(object @event, CancellationToken cancellationToken = default);

    /// <summary>Publishes <paramref name="event"/> with <paramref name="metadata"/> headers.</summary>
    /// <param name="event">The event.</param>
    /// <param name="metadata">Headers to add.</param>
    /// <param name="cancellationToken">Cancels the publish.</param>
    /// <returns>A task that completes when synchronous handlers finished and every asynchronous copy is stored.</returns>
    ValueTask PublishAsync(object @event, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken = default);

    /// <summary>Publishes an event to the handlers whose routing pattern matches <paramref name="routingKey"/>.</summary>
    /// <param name="routingKey">The routing key, e.g. <c>order.placed</c>.</param>
    /// <param name="event">The payload: an object, a JSON string or bytes.</param>
    /// <param name="metadata">Headers to add, or null.</param>
    /// <param name="cancellationToken">Cancels the publish.</param>
    /// <returns>A task that completes when synchronous handlers finished and every asynchronous copy is stored.</returns>
    ValueTask PublishWithRoutingAsync(string routingKey, object @event, IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Publishes <paramref name="events"/> as one batch, for high-rate producers: every copy of every event goes through
    /// the outgoing path (middleware, outbox, tracing) as <see cref="PublishAsync(object, IReadOnlyDictionary{string, string}, CancellationToken)"/>
    /// would send it, but all are handed to their channels before any acknowledgement is awaited, and the returned task
    /// completes once every one was stored (for Kafka: acknowledged by the broker) or failed. A failure does not stop
    /// the rest of the batch: it is reported with every other one in a <see cref="MessageBatchException"/>.
    /// Records of one partition key keep the batch's order.
    /// </summary>
    /// <typeparam name="TEvent">The events' type (<see cref="object"/> for a mix); each is routed by its runtime type.</typeparam>
    /// <param name="events">The events, in the order to send them.</param>
    /// <param name="metadata">Headers for each event (e.g. its <see cref="MessageHeaderNames.PartitionKey"/>), or null for none.</param>
    /// <param name="cancellationToken">Cancels the sends not yet handed over and the wait for acknowledgements.</param>
    /// <returns>A task that completes when every copy is stored; it throws <see cref="MessageBatchException"/> naming each event that was not.</returns>
    ValueTask PublishManyAsync<TEvent>(IEnumerable<TEvent> events, Func<TEvent, IReadOnlyDictionary<string, string>?>? metadata = null, CancellationToken cancellationToken = default)
        where TEvent : notnull;
}
