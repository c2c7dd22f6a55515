using System.Collections.Concurrent;

namespace Conveyor.Aggregates;

/// <summary>
/// The default <see cref="IAggregateStateStore"/>: a dictionary in this process, lost when it stops. A save is visible
/// at once, not when the message's unit of work commits.
/// </summary>
public sealed class InMemoryAggregateStateStore : IAggregateStateStore
{
    private readonly ConcurrentDictionary<(string Type, string Id), AggregateStateRecord> _states = new();

    /// <inheritdoc />
    public ValueTask<AggregateStateRecord?> LoadAsync(string aggregateType, string id, CancellationToken cancellationToken) =>
        new(_states.GetValueOrDefault((aggregateType, id)));

    /// <inheritdoc />
    public ValueTask SaveAsync(string aggregateType, string id, string state, long expectedVersion, long version, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(version, expectedVersion);
        var key = (aggregateType, id);
        var record = new AggregateStateRecord(state, version);
        var saved = expectedVersion == 0
            ? _states.TryAdd(key, record)
            : _states.TryGetValue(key, out var stored) && stored.Version == expectedVersion && _states.TryUpdate(key, record, stored);
        return saved ? ValueTask.CompletedTask : throw ConcurrencyConflictException.ForAggregate(aggregateType, id, expectedVersion, _states.GetValueOrDefault(key)?.Version ?? 0);
    }

}
