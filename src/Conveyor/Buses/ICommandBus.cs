namespace Conveyor;

/// <summary>Sends commands: each reaches exactly one handler, in-process or through its asynchronous channel.</summary>
public interface ICommandBus
{
    /// <summary>Sends <paramref name="command"/> to the handler of its type.</summary>
    /// <param name="command">The command.</param>
    /// <param name="cancellationToken">Cancels the send or the in-process handler.</param>
    /// <returns>A task that completes when the handler finished, or the channel stored the message.</returns>
    ValueTask SendAsync(object command, CancellationToken cancellationToken = default);

    /// <summary>Sends <paramref name="command"/> with <paramref name="metadata"/> headers.</summary>
    /// <param name="command">The command.</param>
    /// <param name="metadata">Headers to add (e.g. <see cref="MessageHeaderNames.PartitionKey"/>).</param>
    /// <param name="cancellationToken">Cancels the send or the in-process handler.</param>
    /// <returns>A task that completes when the handler finished, or the channel stored the message.</returns>
    ValueTask SendAsync(object command, IReadOnlyDictionary<string, string> metadata, CancellationToken cancellationToken = default);

    /// <summary>Sends <paramref name="command"/> to its synchronous handler and returns what it returns.</summary>
    /// <typeparam name="TResult">The handler's result type.</typeparam>
    /// <param name="command">The command.</param>
    /// <param name="metadata">Headers to add, or null.</param>
    /// <param name="cancellationToken">Cancels the handler.</param>
    /// <returns>The handler's result.</returns>
    ValueTask<TResult> SendAsync<TResult>(object command, IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default);

    /// <summary>Sends <paramref name="command"/> to its synchronous handler and returns what it returns.</summary>
    /// <typeparam name="TResult">The handler's result type.</typeparam>
    /// <param name="command">The command.</param>
    /// <param name="cancellationToken">Cancels the handler.</param>
    /// <returns>The handler's result.</returns>
    ValueTask<TResult> SendAsync<TResult>(object command, CancellationToken cancellationToken);

    /// <summary>Sends a command to the handler registered for <paramref name="routingKey"/>.</summary>
    /// <param name="routingKey">The handler's routing key.</param>
    /// <param name="command">The payload: an object, a JSON string or bytes; null for none.</param>
    /// <param name="metadata">Headers to add, or null.</param>
    /// <param name="cancellationToken">Cancels the send or the handler.</param>
    /// <returns>The handler's result when it runs in-process, else null.</returns>
    ValueTask<object?> SendWithRoutingAsync(string routingKey, object? command = null, IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Sends <paramref name="commands"/> as one batch, for high-rate producers: each goes through the outgoing path
    /// (middleware, outbox, tracing) as <see cref="SendAsync(object, IReadOnlyDictionary{string, string}, CancellationToken)"/> would send it, but all are
    /// handed to their channels before any acknowledgement is awaited, and the returned task completes once every one
    /// was stored (for Kafka: acknowledged by the broker) or failed. Every command must have a handler, checked before
    /// any is sent. A failure does not stop the rest of the batch: it is reported with every other one in a
    /// <see cref="MessageBatchException"/>. Records of one partition key keep the batch's order.
    /// </summary>
    /// <typeparam name="TCommand">The commands' type (<see cref="object"/> for a mix); each is routed by its runtime type.</typeparam>
    /// <param name="commands">The commands, in the order to send them.</param>
    /// <param name="metadata">Headers for each command (e.g. its <see cref="MessageHeaderNames.PartitionKey"/>), or null for none.</param>
    /// <param name="cancellationToken">Cancels the sends not yet handed over and the wait for acknowledgements.</param>
    /// <returns>A task that completes when every command is stored or handled; it throws <see cref="MessageBatchException"/> naming each command that was not.</returns>
    ValueTask SendManyAsync<TCommand>(IEnumerable<TCommand> commands, Func<TCommand, IReadOnlyDictionary<string, string>?>? metadata = null, CancellationToken cancellationToken = default)
        where TCommand : notnull;
}
