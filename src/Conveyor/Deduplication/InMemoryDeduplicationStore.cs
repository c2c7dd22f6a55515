using System.Collections.Concurrent;

namespace Conveyor.Deduplication;

/// <summary>
/// Deduplication in process memory, forgetting keys after the retention window. It only protects one process:
/// use a database store when several instances consume the same channel.
/// </summary>
/// <param name="retention">How long a key is remembered.</param>
/// <param name="time">The clock.</param>
public sealed class InMemoryDeduplicationStore(TimeSpan retention, TimeProvider time) : IDeduplicationStore
{
    private readonly ConcurrentDictionary<(string Endpoint, string Key), DateTimeOffset> _handled = new();

    // Keys in the order they were marked; with one retention for all, that is also the order they expire in,
    // so forgetting is a walk from the head that stops at the first key still remembered.
    private readonly ConcurrentQueue<((string Endpoint, string Key) Key, DateTimeOffset Expires)> _expiries = new();

    /// <summary>How many keys are held now.</summary>
    public int Count => _handled.Count;

    /// <inheritdoc />
    public ValueTask<bool> IsHandledAsync(string endpointId, string key, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_handled.TryGetValue((endpointId, key), out var expires) && expires > time.GetUtcNow());

    /// <inheritdoc />
    public ValueTask MarkHandledAsync(string endpointId, string key, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var expires = now + retention;
        _handled[(endpointId, key)] = expires;
        _expiries.Enqueue(((endpointId, key), expires));
        while (_expiries.TryPeek(out var oldest) && oldest.Expires <= now && _expiries.TryDequeue(out oldest))
        {
            // A key marked again later has a later expiry in the map: only forget it when this entry is the latest.
            _handled.TryRemove(new KeyValuePair<(string, string), DateTimeOffset>(oldest.Key, oldest.Expires));
        }

        return ValueTask.CompletedTask;
    }
}
