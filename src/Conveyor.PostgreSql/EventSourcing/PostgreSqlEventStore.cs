using Conveyor.EventSourcing;
using Conveyor.Storage;
using Npgsql;
using NpgsqlTypes;

namespace Conveyor.PostgreSql.EventSourcing;

/// <summary>
/// Event streams in <c>conveyor_events</c>: one row per event, keyed by stream and version, with a global position.
/// </summary>
/// <remarks>
/// <para>
/// <b>Versions.</b> An append takes a transaction-scoped advisory lock on its stream, so appends to one stream take
/// turns: the second one's version check runs after the first has committed or rolled back, sees its events, and
/// conflicts. The check and the insert are one statement (<c>INSERT … SELECT … WHERE MAX(version) = @expected</c>), and
/// the primary key (stream, version) stands behind it. Appends to other streams never wait (unless their names'
/// hashes collide).
/// </para>
/// <para>
/// <b>Positions in commit order.</b> A sequence would hand out positions in insert order, not commit order: a
/// transaction holding position 5 may commit after one holding 6, so a reader that has paged to 6 would never see 5.
/// Instead an append inserts its events without a position, and the transaction numbers them just before it commits,
/// under an advisory lock on the schema held until the commit is visible: <c>MAX(position) + 1</c>, … So positions are
/// given out one committing transaction at a time, in commit order, without gaps, and a reader that has seen position
/// <c>p</c> never later finds a new event below <c>p</c>. The price: transactions that appended events commit one
/// after the other (the lock covers one update and the commit's WAL flush); their handlers still run in parallel.
/// A transaction's own events are numbered by stream, then version. Until its commit, a read in the appending
/// transaction itself returns them with position 0.
/// </para>
/// </remarks>
internal sealed class PostgreSqlEventStore(PostgreSqlStoreTransaction transaction, TimeProvider time) : IEventStore
{
    // pg_advisory_xact_lock(int, int) classes: "CNVS" with a hash of the stream's id, "CNVP" with one of the schema's name.
    private const int StreamLockClass = 0x434E5653;
    private const int PositionLockClass = 0x434E5650;

    private const string LockStream = "SELECT pg_advisory_xact_lock(@class, hashtext(@stream));";

    private const string Append = """
        INSERT INTO {schema}.conveyor_events (stream_id, version, event_type, data, metadata, recorded_at)
        SELECT @stream, current.version + e.n, e.event_type, e.data, e.metadata, @at
        FROM (SELECT COALESCE(MAX(version), 0) AS version FROM {schema}.conveyor_events WHERE stream_id = @stream) current,
             unnest(@types, @data, @metadata) WITH ORDINALITY AS e(event_type, data, metadata, n)
        WHERE current.version = @expected;
        """;

    private const string StreamVersion = "SELECT COALESCE(MAX(version), 0) FROM {schema}.conveyor_events WHERE stream_id = @stream;";

    private const string LockPositions = "SELECT pg_advisory_xact_lock(@class, hashtext(@schema));";

    // A new statement after the lock: its snapshot sees every event the lock's previous holders committed. The only
    // rows without a position it sees are this transaction's (others' are uncommitted, and a commit numbers its own).
    private const string NumberPositions = """
        UPDATE {schema}.conveyor_events e SET position = numbered.position
        FROM (SELECT stream_id, version,
                     (SELECT COALESCE(MAX(position), 0) FROM {schema}.conveyor_events) + row_number() OVER (ORDER BY stream_id, version) AS position
              FROM {schema}.conveyor_events WHERE position IS NULL) numbered
        WHERE e.stream_id = numbered.stream_id AND e.version = numbered.version;
        """;

    private const string ReadStream = """
        SELECT stream_id, version, COALESCE(position, 0), event_type, data, metadata, recorded_at FROM {schema}.conveyor_events
        WHERE stream_id = @stream AND version >= @from ORDER BY version;
        """;

    private const string ReadAll = """
        SELECT stream_id, version, position, event_type, data, metadata, recorded_at FROM {schema}.conveyor_events
        WHERE position > @after ORDER BY position LIMIT @max;
        """;

    // The unit of work whose commit already numbers this scope's appends.
    private PostgreSqlUnitOfWork? _numbering;

    public async ValueTask<long> AppendAsync(string streamId, long expectedVersion, IReadOnlyList<EventData> events, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(streamId);
        ArgumentNullException.ThrowIfNull(events);
        ArgumentOutOfRangeException.ThrowIfZero(events.Count);
        var at = time.GetUtcNow().UtcTicks;
        var (appended, found) = await transaction.WriteAsync(
            async (connection, tx, unitOfWork) =>
            {
                await using var batch = new NpgsqlBatch(connection, tx);
                var lockStream = new NpgsqlBatchCommand(LockStream);
                lockStream.Parameters.AddWithValue("class", StreamLockClass);
                lockStream.Parameters.AddWithValue("stream", streamId);
                batch.BatchCommands.Add(lockStream);
                var append = new NpgsqlBatchCommand(Sql(Append));
                append.Parameters.AddWithValue("stream", streamId);
                append.Parameters.AddWithValue("expected", expectedVersion);
                append.Parameters.AddWithValue("at", at);
                append.Parameters.Add(new NpgsqlParameter("types", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = events.Select(e => e.EventType).ToArray() });
                append.Parameters.Add(new NpgsqlParameter("data", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = events.Select(e => e.Data).ToArray() });
                append.Parameters.Add(new NpgsqlParameter("metadata", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = events.Select(e => e.Metadata).ToArray() });
                batch.BatchCommands.Add(append);
                await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
                if (append.RecordsAffected != events.Count)
                {
                    using var current = transaction.Database.Command(StreamVersion, connection, tx);
                    current.Parameters.AddWithValue("stream", streamId);
                    return (false, (long)(await current.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!);
                }

                if (unitOfWork is null)
                {
                    await NumberPositionsAsync(connection, tx, cancellationToken).ConfigureAwait(false);
                }
                else if (_numbering != unitOfWork)
                {
                    _numbering = unitOfWork;
                    unitOfWork.OnCommitting(NumberPositionsAsync);
                }

                return (true, expectedVersion + events.Count);
            },
            cancellationToken).ConfigureAwait(false);
        return appended ? found : throw ConcurrencyConflictException.ForStream(streamId, expectedVersion, found);
    }

    public ValueTask<IReadOnlyList<StoredEvent>> ReadStreamAsync(string streamId, long fromVersion, CancellationToken cancellationToken) =>
        transaction.ReadAsync(
            (connection, tx) =>
            {
                var command = transaction.Database.Command(ReadStream, connection, tx);
                command.Parameters.AddWithValue("stream", streamId);
                command.Parameters.AddWithValue("from", fromVersion);
                return ReadAsync(command, cancellationToken);
            },
            cancellationToken);

    public ValueTask<IReadOnlyList<StoredEvent>> ReadAllAsync(long afterPosition, int maxCount, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxCount);
        return transaction.ReadAsync(
            (connection, tx) =>
            {
                var command = transaction.Database.Command(ReadAll, connection, tx);
                command.Parameters.AddWithValue("after", afterPosition);
                command.Parameters.AddWithValue("max", maxCount);
                return ReadAsync(command, cancellationToken);
            },
            cancellationToken);
    }

    private async Task NumberPositionsAsync(NpgsqlConnection connection, NpgsqlTransaction tx, CancellationToken cancellationToken)
    {
        await using var batch = new NpgsqlBatch(connection, tx);
        var lockPositions = new NpgsqlBatchCommand(LockPositions);
        lockPositions.Parameters.AddWithValue("class", PositionLockClass);
        lockPositions.Parameters.AddWithValue("schema", transaction.Database.Schema);
        batch.BatchCommands.Add(lockPositions);
        batch.BatchCommands.Add(new NpgsqlBatchCommand(Sql(NumberPositions)));
        await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private static async Task<IReadOnlyList<StoredEvent>> ReadAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using (command.ConfigureAwait(false))
        {
            using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            var events = new List<StoredEvent>();
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                events.Add(StoredEventRow.Read(reader));
            }

            return events;
        }
    }

    private string Sql(string sql) => sql.Replace("{schema}", transaction.Database.QuotedSchema, StringComparison.Ordinal);
}
