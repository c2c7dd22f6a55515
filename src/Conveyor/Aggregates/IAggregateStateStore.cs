namespace Conveyor.Aggregates;

/// <summary>
/// Where state-stored aggregates (and event-sourced aggregates' snapshots) are kept: one JSON document and a version
/// per aggregate type and identifier. The in-memory store is the default; <c>UseSqlite</c> keeps them in the message's
/// database transaction. Resolved from the message's DI scope, so a store may join its unit of work.
/// </summary>
public interface IAggregateStateStore
{
    /// <summary>Loads an aggregate's state.</summary>
    /// <param name="aggregateType">The aggregate's name.</param>
    /// <param name="id">The aggregate's identifier.</param>
    /// <param name="cancellationToken">Cancels the load.</param>
    /// <returns>The state and its version, or null when there is none.</returns>
    ValueTask<AggregateStateRecord?> LoadAsync(string aggregateType, string id, CancellationToken cancellationToken);

    /// <summary>
    /// Stores an aggregate's state at <paramref name="version"/> if the stored one is still at
    /// <paramref name="expectedVersion"/> (0: none is stored yet).
    /// </summary>
    /// <param name="aggregateType">The aggregate's name.</param>
    /// <param name="id">The aggregate's identifier.</param>
    /// <param name="state">The state, as JSON.</param>
    /// <param name="expectedVersion">The version it was loaded at, 0 for a new one.</param>
    /// <param name="version">The version to store; greater than <paramref name="expectedVersion"/>.</param>
    /// <param name="cancellationToken">Cancels the save.</param>
    /// <returns>A task that completes once saved.</returns>
    /// <exception cref="ConcurrencyConflictException">The stored version is not <paramref name="expectedVersion"/>.</exception>
    ValueTask SaveAsync(string aggregateType, string id, string state, long expectedVersion, long version, CancellationToken cancellationToken);
}

/// <summary>An aggregate's stored state.</summary>
/// <param name="State">The state, as JSON.</param>
/// <param name="Version">Its version.</param>
public sealed record AggregateStateRecord(string State, long Version);
