namespace Conveyor.EventSourcing;

/// <summary>
/// Streams of events, appended with an expected version and read back in order: an event-sourced aggregate's
/// stream, or any other. Every event also has a position in the store's global order. The in-memory store is the
/// default; <c>UseSqlite</c> appends in the message's database transaction. Resolved from the message's DI scope.
/// </summary>
public interface IEventStore
{
    /// <summary>
    /// Appends <paramref name="events"/> to <paramref name="streamId"/> if the stream is at
    /// <paramref name="expectedVersion"/> (0: it does not exist yet). The first event of a stream has version 1.
    /// </summary>
    /// <param name="streamId">The stream.</param>
    /// <param name="expectedVersion">The version the stream must be at.</param>
    /// <param name="events">The events, in order; at least one.</param>
    /// <param name="cancellationToken">Cancels the append.</param>
    /// <returns>The stream's new version.</returns>
    /// <exception cref="ConcurrencyConflictException">The stream is not at <paramref name="expectedVersion"/>.</exception>
    ValueTask<long> AppendAsync(string streamId, long expectedVersion, IReadOnlyList<EventData> events, CancellationToken cancellationToken);

    /// <summary>Reads a stream's events from <paramref name="fromVersion"/> on, in version order.</summary>
    /// <param name="streamId">The stream.</param>
    /// <param name="fromVersion">The first version to read (1 for the whole stream).</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The events; empty for a stream that does not exist.</returns>
    ValueTask<IReadOnlyList<StoredEvent>> ReadStreamAsync(string streamId, long fromVersion, CancellationToken cancellationToken);

    /// <summary>Reads every stream's events after <paramref name="afterPosition"/>, in global order.</summary>
    /// <param name="afterPosition">The last position already read (0 for the beginning).</param>
    /// <param name="maxCount">How many events at most.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The events.</returns>
    ValueTask<IReadOnlyList<StoredEvent>> ReadAllAsync(long afterPosition, int maxCount, CancellationToken cancellationToken);
}

/// <summary>An event to append.</summary>
/// <param name="EventType">The event's name (<see cref="MessageNames"/>).</param>
/// <param name="Data">The event, serialized (JSON).</param>
/// <param name="Metadata">Its headers, serialized, or null.</param>
public sealed record EventData(string EventType, string Data, string? Metadata = null);

/// <summary>An event as stored.</summary>
/// <param name="StreamId">Its stream.</param>
/// <param name="Version">Its version in the stream, from 1.</param>
/// <param name="Position">Its position in the store's global order, from 1, increasing with every append.</param>
/// <param name="EventType">The event's name.</param>
/// <param name="Data">The event, serialized.</param>
/// <param name="Metadata">Its headers, serialized, or null.</param>
/// <param name="RecordedAt">When it was appended.</param>
public sealed record StoredEvent(string StreamId, long Version, long Position, string EventType, string Data, string? Metadata, DateTimeOffset RecordedAt);
