using Npgsql;

namespace Conveyor.PostgreSql;

/// <summary>
/// The schema of every PostgreSQL store, as numbered migrations into the configured schema (<c>{schema}</c> below).
/// <c>conveyor_schema</c> records each version applied; a migration runs once, in the transaction that records it,
/// under a transaction-scoped advisory lock on the schema's name, so that instances starting together (or
/// <c>conveyor db migrate</c> beside a running application) migrate one after the other. Application-clock times are
/// UTC ticks (never truncated, as in SQLite); leases are <c>timestamptz</c> on the database clock.
/// </summary>
internal static class PostgreSqlSchema
{
    // pg_advisory_xact_lock(int, int): this constant ("CNVY") with a hash of the schema's name.
    private const int LockClass = 0x434E5659;

    // Append only: a released migration never changes, a change is a new one.
    private static readonly string[] Migrations =
    [
        // 1: deduplication keys, dead letters, scheduled messages, with the indexes their queries use.
        """
        CREATE TABLE {schema}.conveyor_deduplication (
            endpoint_id   text        NOT NULL,
            key           text        NOT NULL,
            -- UTC ticks; the maximum while the claim is pending, set when its unit of work commits.
            expires_at    bigint      NOT NULL,
            -- Database clock: until when a claim made outside a PostgreSQL unit of work (committed at once, ended by
            -- that unit of work) is pending; null once it is committed or for a claim in a PostgreSQL unit of work.
            pending_until timestamptz NULL,
            PRIMARY KEY (endpoint_id, key)
        );
        CREATE INDEX conveyor_deduplication_expires ON {schema}.conveyor_deduplication (expires_at);

        CREATE TABLE {schema}.conveyor_dead_letters (
            -- "C": ids in byte order, as every other store orders them.
            id                text COLLATE "C" NOT NULL PRIMARY KEY,
            message_id        text    NOT NULL,
            endpoint_id       text    NOT NULL,
            channel           text    NOT NULL,
            position          text    NOT NULL,
            exception_type    text    NOT NULL,
            exception_message text    NOT NULL,
            attempts          integer NOT NULL,
            failed_at         bigint  NOT NULL,
            headers           bytea   NOT NULL,
            body              bytea   NOT NULL
        );
        CREATE INDEX conveyor_dead_letters_order ON {schema}.conveyor_dead_letters (failed_at, id);
        CREATE INDEX conveyor_dead_letters_endpoint ON {schema}.conveyor_dead_letters (endpoint_id, failed_at, id);
        CREATE INDEX conveyor_dead_letters_channel ON {schema}.conveyor_dead_letters (channel, failed_at, id);

        CREATE TABLE {schema}.conveyor_scheduled (
            id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
            channel          text        NOT NULL,
            redeliver        boolean     NOT NULL,
            headers          bytea       NOT NULL,
            body             bytea       NOT NULL,
            due_at           bigint      NOT NULL,
            next_attempt_at  bigint      NOT NULL,
            attempts         integer     NOT NULL DEFAULT 0,
            lease_owner      text        NULL,
            lease_expires_at timestamptz NULL
        );
        CREATE INDEX conveyor_scheduled_next ON {schema}.conveyor_scheduled (next_attempt_at, id);
        """,
    ];

    /// <summary>The version this package's schema is at.</summary>
    public static int Latest => Migrations.Length;

    /// <summary>Brings <paramref name="schema"/> to <see cref="Latest"/> inside <paramref name="transaction"/>; returns the version it was at.</summary>
    public static async Task<int> MigrateAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string schema, CancellationToken cancellationToken)
    {
        var quoted = Quote(schema);
        using (var command = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@class, hashtext(@schema));", connection, transaction))
        {
            command.Parameters.AddWithValue("class", LockClass);
            command.Parameters.AddWithValue("schema", schema);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await ExecuteAsync(connection, transaction, $"""
            CREATE SCHEMA IF NOT EXISTS {quoted};
            CREATE TABLE IF NOT EXISTS {quoted}.conveyor_schema (
                version    integer     NOT NULL PRIMARY KEY,
                applied_at timestamptz NOT NULL DEFAULT now()
            );
            """, cancellationToken).ConfigureAwait(false);
        int current;
        using (var read = new NpgsqlCommand($"SELECT COALESCE(MAX(version), 0) FROM {quoted}.conveyor_schema;", connection, transaction))
        {
            current = (int)(await read.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
        }

        if (current > Latest)
        {
            throw new InvalidOperationException(
                $"The PostgreSQL schema '{schema}' of database '{connection.Database}' has Conveyor schema version {current}, newer than this version of Conveyor.PostgreSql knows ({Latest}). Upgrade the package, or use another schema ({PostgreSqlOptions.SectionName}:Schema).");
        }

        for (var version = current + 1; version <= Latest; version++)
        {
            await ExecuteAsync(connection, transaction, Migrations[version - 1].Replace("{schema}", quoted, StringComparison.Ordinal), cancellationToken).ConfigureAwait(false);
            using var record = new NpgsqlCommand($"INSERT INTO {quoted}.conveyor_schema (version) VALUES (@version);", connection, transaction);
            record.Parameters.AddWithValue("version", version);
            await record.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        return current;
    }

    /// <summary>The schema's name as a quoted identifier (the options allow no quote in it).</summary>
    public static string Quote(string schema) => $"\"{schema}\"";

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }
}
