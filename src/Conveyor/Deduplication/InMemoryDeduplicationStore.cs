namespace Conveyor.Deduplication;

/// <summary>
/// Deduplication in process memory, forgetting keys after the retention window. It only protects one process:
/// use a database store when several instances consume the same channel.
/// </summary>
/// <remarks>
/// A key that is a UUID (the default key, the message id) is held as a <see cref="Guid"/>, not as its string: the
/// entries live inline in the store's arrays, so a busy consumer's hundreds of thousands of remembered keys are a
/// few large arrays rather than as many small objects for the garbage collector to promote and trace.
/// </remarks>
/// <param name="retention">How long a key is remembered.</param>
/// <param name="time">The clock.</param>
public sealed class InMemoryDeduplicationStore(TimeSpan retention, TimeProvider time) : IDeduplicationStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<Entry, DateTimeOffset> _handled = [];

    // Keys in the order they were marked; with one retention for all, that is also the order they expire in,
    // so forgetting is a walk from the head that stops at the first key still remembered.
    private readonly Queue<(Entry Key, DateTimeOffset Expires)> _expiries = new();

    /// <summary>How many keys are held now.</summary>
    public int Count
    {
        get
        {
            lock (_gate)
            {
                return _handled.Count;
            }
        }
    }

    /// <inheritdoc />
    public ValueTask<bool> IsHandledAsync(string endpointId, string key, CancellationToken cancellationToken)
    {
        var entry = Entry.Of(endpointId, key);
        var now = time.GetUtcNow();
        lock (_gate)
        {
            return ValueTask.FromResult(_handled.TryGetValue(entry, out var expires) && expires > now);
        }
    }

    /// <inheritdoc />
    public ValueTask MarkHandledAsync(string endpointId, string key, CancellationToken cancellationToken)
    {
        var entry = Entry.Of(endpointId, key);
        var now = time.GetUtcNow();
        var expires = now + retention;
        lock (_gate)
        {
            _handled[entry] = expires;
            _expiries.Enqueue((entry, expires));
            while (_expiries.TryPeek(out var oldest) && oldest.Expires <= now)
            {
                _expiries.Dequeue();

                // A key marked again later has a later expiry in the map: only forget it when this entry is the latest.
                if (_handled.TryGetValue(oldest.Key, out var latest) && latest == oldest.Expires)
                {
                    _handled.Remove(oldest.Key);
                }
            }
        }

        return ValueTask.CompletedTask;
    }

    /// <summary>An endpoint and a key: a UUID key in its lower-case form as a <see cref="Guid"/>, any other as its text.</summary>
    private readonly record struct Entry(string Endpoint, Guid Id, string? Text)
    {
        // The key alone spreads the entries: a message id is unique, and hashing the endpoint id too would hash a
        // string on every lookup. Equality still compares the endpoint.
        public override int GetHashCode() => Text?.GetHashCode(StringComparison.Ordinal) ?? Id.GetHashCode();

        public static Entry Of(string endpoint, string key) =>
            key.Length == 36 && !key.AsSpan().ContainsAnyInRange('A', 'F') && Guid.TryParseExact(key, "D", out var id)
                ? new Entry(endpoint, id, null)
                : new Entry(endpoint, Guid.Empty, key);
    }
}
