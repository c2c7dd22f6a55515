using Conveyor.Aggregates;
using Microsoft.Data.Sqlite;

namespace Conveyor.Sqlite.Aggregates;

/// <summary>
/// Aggregate states in <c>conveyor_aggregates</c>: JSON and a version per aggregate type and identifier. In a SQLite
/// unit of work the save is part of its transaction, so the state commits with the deduplication claim and the
/// messages the handler sent, or not at all. The version check is in the statement (<c>WHERE version = $expected</c>,
/// or an insert that finds the key taken), never a read then a write.
/// </summary>
internal sealed class SqliteAggregateStateStore(SqliteStoreTransaction transaction) : IAggregateStateStore
{
    private const string Load = "SELECT state, version FROM conveyor_aggregates WHERE aggregate_type = $type AND id = $id;";

    private const string Insert = """
        INSERT INTO conveyor_aggregates (aggregate_type, id, version, state) VALUES ($type, $id, $version, $state)
        ON CONFLICT (aggregate_type, id) DO NOTHING;
        """;

    private const string Update = """
        UPDATE conveyor_aggregates SET state = $state, version = $version
        WHERE aggregate_type = $type AND id = $id AND version = $expected;
        """;

    private const string CurrentVersion = "SELECT version FROM conveyor_aggregates WHERE aggregate_type = $type AND id = $id;";

    public ValueTask<AggregateStateRecord?> LoadAsync(string aggregateType, string id, CancellationToken cancellationToken) =>
        transaction.ReadAsync(
            (connection, tx) =>
            {
                using var command = Command(connection, tx, Load, aggregateType, id);
                using var reader = command.ExecuteReader();
                return reader.Read() ? new AggregateStateRecord(reader.GetString(0), reader.GetInt64(1)) : null;
            },
            cancellationToken);

    public async ValueTask SaveAsync(string aggregateType, string id, string state, long expectedVersion, long version, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(version, expectedVersion);
        var found = await transaction.WriteAsync(
            (connection, tx) =>
            {
                using var command = Command(connection, tx, expectedVersion == 0 ? Insert : Update, aggregateType, id);
                command.Parameters.AddWithValue("$state", state);
                command.Parameters.AddWithValue("$version", version);
                command.Parameters.AddWithValue("$expected", expectedVersion);
                if (command.ExecuteNonQuery() == 1)
                {
                    return (long?)null;
                }

                using var current = Command(connection, tx, CurrentVersion, aggregateType, id);
                return current.ExecuteScalar() is long stored ? stored : 0;
            },
            cancellationToken).ConfigureAwait(false);
        if (found is { } stored)
        {
            throw ConcurrencyConflictException.ForAggregate(aggregateType, id, expectedVersion, stored);
        }
    }

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? tx, string sql, string aggregateType, string id)
    {
        var command = SqliteStoreTransaction.Command(connection, tx, sql);
        command.Parameters.AddWithValue("$type", aggregateType);
        command.Parameters.AddWithValue("$id", id);
        return command;
    }
}
