using Conveyor.EventSourcing;
using Conveyor.Storage;
using Microsoft.Data.Sqlite;

namespace Conveyor.Sqlite.EventSourcing;

/// <summary>
/// Event streams in <c>conveyor_events</c>: one row per event, unique by stream and version, the global position an
/// autoincrement. SQLite has one writer at a time, so positions are handed out in commit order: a reader paging by
/// position never sees a later one commit before an earlier one. In a SQLite unit of work the append is part of its
/// transaction.
/// </summary>
internal sealed class SqliteEventStore(SqliteStoreTransaction transaction, TimeProvider time) : IEventStore
{
    private const string StreamVersion = "SELECT COALESCE(MAX(version), 0) FROM conveyor_events WHERE stream_id = $stream;";

    private const string Append = """
        INSERT INTO conveyor_events (stream_id, version, event_type, data, metadata, recorded_at)
        VALUES ($stream, $version, $type, $data, $metadata, $at);
        """;

    private const string ReadStream = """
        SELECT stream_id, version, position, event_type, data, metadata, recorded_at FROM conveyor_events
        WHERE stream_id = $stream AND version >= $from ORDER BY version;
        """;

    private const string ReadAll = """
        SELECT stream_id, version, position, event_type, data, metadata, recorded_at FROM conveyor_events
        WHERE position > $after ORDER BY position LIMIT $max;
        """;

    public async ValueTask<long> AppendAsync(string streamId, long expectedVersion, IReadOnlyList<EventData> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(streamId);
        ArgumentNullException.ThrowIfNull(events);
        ArgumentOutOfRangeException.ThrowIfZero(events.Count);
        var at = time.GetUtcNow().UtcTicks;
        var (appended, found) = await transaction.WriteAsync(
            (connection, tx) =>
            {
                using var current = SqliteStoreTransaction.Command(connection, tx, StreamVersion);
                current.Parameters.AddWithValue("$stream", streamId);
                var version = (long)current.ExecuteScalar()!;
                if (version != expectedVersion)
                {
                    return (false, version);
                }

                using var insert = SqliteStoreTransaction.Command(connection, tx, Append);
                var versionParameter = insert.Parameters.Add("$version", SqliteType.Integer);
                var type = insert.Parameters.Add("$type", SqliteType.Text);
                var data = insert.Parameters.Add("$data", SqliteType.Text);
                var metadata = insert.Parameters.Add("$metadata", SqliteType.Text);
                insert.Parameters.AddWithValue("$stream", streamId);
                insert.Parameters.AddWithValue("$at", at);
                foreach (var e in events)
                {
                    versionParameter.Value = ++version;
                    type.Value = e.EventType;
                    data.Value = e.Data;
                    metadata.Value = (object?)e.Metadata ?? DBNull.Value;
                    insert.ExecuteNonQuery();
                }

                return (true, version);
            },
            cancellationToken).ConfigureAwait(false);
        return appended ? found : throw ConcurrencyConflictException.ForStream(streamId, expectedVersion, found);
    }

    public ValueTask<IReadOnlyList<StoredEvent>> ReadStreamAsync(string streamId, long fromVersion, CancellationToken cancellationToken) =>
        transaction.ReadAsync(
            (connection, tx) =>
            {
                using var command = SqliteStoreTransaction.Command(connection, tx, ReadStream);
                command.Parameters.AddWithValue("$stream", streamId);
                command.Parameters.AddWithValue("$from", fromVersion);
                return Read(command);
            },
            cancellationToken);

    public ValueTask<IReadOnlyList<StoredEvent>> ReadAllAsync(long afterPosition, int maxCount, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxCount);
        return transaction.ReadAsync(
            (connection, tx) =>
            {
                using var command = SqliteStoreTransaction.Command(connection, tx, ReadAll);
                command.Parameters.AddWithValue("$after", afterPosition);
                command.Parameters.AddWithValue("$max", maxCount);
                return Read(command);
            },
            cancellationToken);
    }

    private static IReadOnlyList<StoredEvent> Read(SqliteCommand command)
    {
        using var reader = command.ExecuteReader();
        var events = new List<StoredEvent>();
        while (reader.Read())
        {
            events.Add(StoredEventRow.Read(reader));
        }

        return events;
    }
}
