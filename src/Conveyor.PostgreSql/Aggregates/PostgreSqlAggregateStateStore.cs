using Conveyor.Aggregates;
using Npgsql;

namespace Conveyor.PostgreSql.Aggregates;

/// <summary>
/// Aggregate states in <c>conveyor_aggregates</c>: JSON and a version per aggregate type and identifier. In a
/// <see cref="PostgreSqlUnitOfWork"/> the save is part of its transaction, so the state commits with the deduplication
/// claim and the messages the handler sent, or not at all. The version check is in the statement, never a read then a
/// write: an update <c>WHERE version = @expected</c> waits for another transaction's uncommitted save of the row and
/// then sees its committed version (PostgreSQL re-checks the condition on the new row), and an insert of a new
/// instance waits for another's uncommitted insert of the key and then does nothing. Loads take no lock.
/// </summary>
internal sealed class PostgreSqlAggregateStateStore(PostgreSqlStoreTransaction transaction) : IAggregateStateStore
{
    private const string Load = "SELECT state, version FROM {schema}.conveyor_aggregates WHERE aggregate_type = @type AND id = @id;";

    private const string Insert = """
        INSERT INTO {schema}.conveyor_aggregates (aggregate_type, id, version, state) VALUES (@type, @id, @version, @state)
        ON CONFLICT (aggregate_type, id) DO NOTHING;
        """;

    private const string Update = """
        UPDATE {schema}.conveyor_aggregates SET state = @state, version = @version
        WHERE aggregate_type = @type AND id = @id AND version = @expected;
        """;

    private const string CurrentVersion = "SELECT version FROM {schema}.conveyor_aggregates WHERE aggregate_type = @type AND id = @id;";

    public ValueTask<AggregateStateRecord?> LoadAsync(string aggregateType, string id, CancellationToken cancellationToken) =>
        transaction.ReadAsync(
            async (connection, tx) =>
            {
                using var command = Command(connection, tx, Load, aggregateType, id);
                using var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
                return await reader.ReadAsync(cancellationToken).ConfigureAwait(false)
                    ? new AggregateStateRecord(reader.GetString(0), reader.GetInt64(1))
                    : null;
            },
            cancellationToken);

    public async ValueTask SaveAsync(string aggregateType, string id, string state, long expectedVersion, long version, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(state);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(version, expectedVersion);
        var found = await transaction.WriteAsync(
            async (connection, tx, _) =>
            {
                using (var command = Command(connection, tx, expectedVersion == 0 ? Insert : Update, aggregateType, id))
                {
                    command.Parameters.AddWithValue("state", state);
                    command.Parameters.AddWithValue("version", version);
                    command.Parameters.AddWithValue("expected", expectedVersion);
                    if (await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false) == 1)
                    {
                        return (long?)null;
                    }
                }

                using var current = Command(connection, tx, CurrentVersion, aggregateType, id);
                return await current.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long stored ? stored : 0;
            },
            cancellationToken).ConfigureAwait(false);
        if (found is { } stored)
        {
            throw ConcurrencyConflictException.ForAggregate(aggregateType, id, expectedVersion, stored);
        }
    }

    private NpgsqlCommand Command(NpgsqlConnection connection, NpgsqlTransaction? tx, string sql, string aggregateType, string id)
    {
        var command = transaction.Database.Command(sql, connection, tx);
        command.Parameters.AddWithValue("type", aggregateType);
        command.Parameters.AddWithValue("id", id);
        return command;
    }
}
