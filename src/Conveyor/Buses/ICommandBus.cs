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
}
