namespace Conveyor.EventSourcing;

/// <summary>The default <see cref="IEventStore"/>: lists in this process, lost when it stops. An append is visible at once.</summary>
/// <param name="time">The clock events are stamped with.</param>
public sealed class InMemoryEventStore(TimeProvider time) : IEventStore
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, List<StoredEvent>> _streams = new(StringComparer.Ordinal);
    private readonly List<StoredEvent> _all = [];

    /// <summary>Creates a store on the system clock.</summary>
    public InMemoryEventStore() : this(TimeProvider.System)
    {
    }

    /// <inheritdoc />
    public ValueTask<long> AppendAsync(string streamId, long expectedVersion, IReadOnlyList<EventData> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(streamId);
        ArgumentNullException.ThrowIfNull(events);
        ArgumentOutOfRangeException.ThrowIfZero(events.Count);
        lock (_gate)
        {
            var stream = _streams.GetValueOrDefault(streamId);
            var current = stream?.Count ?? 0;
            if (current != expectedVersion)
            {
                throw ConcurrencyConflictException.ForStream(streamId, expectedVersion, current);
            }

            stream ??= _streams[streamId] = [];
            var now = time.GetUtcNow();
            foreach (var e in events)
            {
                var stored = new StoredEvent(streamId, stream.Count + 1, _all.Count + 1, e.EventType, e.Data, e.Metadata, now);
                stream.Add(stored);
                _all.Add(stored);
            }

            return new(stream.Count);
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<StoredEvent>> ReadStreamAsync(string streamId, long fromVersion, CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            var stream = _streams.GetValueOrDefault(streamId);
            var skip = (int)Math.Max(0, fromVersion - 1);
            return new(stream is null || skip >= stream.Count ? [] : stream[skip..]);
        }
    }

    /// <inheritdoc />
    public ValueTask<IReadOnlyList<StoredEvent>> ReadAllAsync(long afterPosition, int maxCount, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxCount);
        lock (_gate)
        {
            var skip = (int)Math.Clamp(afterPosition, 0, _all.Count);
            return new(_all.GetRange(skip, Math.Min(maxCount, _all.Count - skip)));
        }
    }

}
