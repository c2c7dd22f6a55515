namespace Conveyor;

/// <summary>Asks queries: each reaches exactly one in-process handler, which returns the answer.</summary>
public interface IQueryBus
{
    /// <summary>Sends <paramref name="query"/> to the handler of its type.</summary>
    /// <typeparam name="TResult">The answer's type.</typeparam>
    /// <param name="query">The query.</param>
    /// <param name="metadata">Headers to add, or null.</param>
    /// <param name="cancellationToken">Cancels the handler.</param>
    /// <returns>The answer.</returns>
    ValueTask<TResult> SendAsync<TResult>(object query, IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default);

    /// <summary>Sends <paramref name="query"/> to its handler and returns the answer.</summary>
    /// <typeparam name="TResult">The answer type.</typeparam>
    /// <param name="query">The query.</param>
    /// <param name="cancellationToken">Cancels the handler.</param>
    /// <returns>The answer.</returns>
    ValueTask<TResult> SendAsync<TResult>(object query, CancellationToken cancellationToken);

    /// <summary>Sends a query to the handler registered for <paramref name="routingKey"/>.</summary>
    /// <typeparam name="TResult">The answer's type.</typeparam>
    /// <param name="routingKey">The handler's routing key.</param>
    /// <param name="query">The payload, or null.</param>
    /// <param name="metadata">Headers to add, or null.</param>
    /// <param name="cancellationToken">Cancels the handler.</param>
    /// <returns>The answer.</returns>
    ValueTask<TResult> SendWithRoutingAsync<TResult>(string routingKey, object? query = null, IReadOnlyDictionary<string, string>? metadata = null, CancellationToken cancellationToken = default);
}
