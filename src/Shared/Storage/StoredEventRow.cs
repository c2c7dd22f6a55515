using System.Data.Common;
using Conveyor.EventSourcing;

namespace Conveyor.Storage;

/// <summary>
/// A <c>conveyor_events</c> row as every database event store selects it (compiled by each store package, like
/// <see cref="LeasedMessageScheduler"/>): stream id, version, position, event type, data, metadata (nullable) and
/// recorded at (UTC ticks), in that order.
/// </summary>
internal static class StoredEventRow
{
    /// <summary>The event in the reader's current row.</summary>
    public static StoredEvent Read(DbDataReader reader) => new(
        reader.GetString(0),
        reader.GetInt64(1),
        reader.GetInt64(2),
        reader.GetString(3),
        reader.GetString(4),
        reader.IsDBNull(5) ? null : reader.GetString(5),
        new DateTimeOffset(reader.GetInt64(6), TimeSpan.Zero));
}
