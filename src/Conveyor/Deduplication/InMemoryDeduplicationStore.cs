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
    private long _writes;

    /// <summary>How many keys are held now.</summary>
    public int Count => _handled.Count;

    /// <inheritdoc />
    public ValueTask<bool> IsHandledAsync(string endpointId, string key, CancellationToken cancellationToken) =>
        ValueTask.FromResult(_handled.TryGetValue((endpointId, key), out var expires) && expires > time.GetUtcNow());

    /// <inheritdoc />
    public ValueTask MarkHandledAsync(string endpointId, string key, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        _handled[(endpointId, key)] = now + retention;
        if (Interlocked.Increment(ref _writes) % 4096 == 0)
        {
            foreach (var entry in _handled)
            {
                if (entry.Value <= now)
                {
                    _handled.TryRemove(entry);
                }
            }
        }

        return ValueTask.CompletedTask;
    }
}
