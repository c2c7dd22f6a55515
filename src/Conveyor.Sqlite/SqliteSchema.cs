using Microsoft.Data.Sqlite;

namespace Conveyor.Sqlite;

/// <summary>
/// The schema of every SQLite store, as numbered migrations. <c>conveyor_schema</c> records each version applied; a
/// migration runs once, in the transaction that records it. Times are UTC ticks (never truncated); lease expiries are
/// milliseconds on the database clock.
/// </summary>
internal static class SqliteSchema
{
    private const string CreateSchemaTable = """
        CREATE TABLE IF NOT EXISTS conveyor_schema (
            version    INTEGER NOT NULL PRIMARY KEY,
            applied_at TEXT    NOT NULL
        );
        """;

    // Append only: a released migration never changes, a change is a new one.
    private static readonly string[] Migrations =
    [
        // 1: deduplication keys, dead letters, scheduled messages, with the indexes their queries use.
        """
        CREATE TABLE conveyor_deduplication (
            endpoint_id TEXT    NOT NULL,
            key         TEXT    NOT NULL,
            -- UTC ticks; the maximum while the claim is pending, set when its unit of work commits.
            expires_at  INTEGER NOT NULL,
            -- Database-clock milliseconds until which a claim made outside a SQLite unit of work (committed at once,
            -- ended by that unit of work) is pending; null once it is committed or for a claim in a SQLite unit of work.
            pending_until INTEGER NULL,
            PRIMARY KEY (endpoint_id, key)
        ) WITHOUT ROWID;
        CREATE INDEX conveyor_deduplication_expires ON conveyor_deduplication (expires_at);

        CREATE TABLE conveyor_dead_letters (
            id                TEXT    NOT NULL PRIMARY KEY,
            message_id        TEXT    NOT NULL,
            endpoint_id       TEXT    NOT NULL,
            channel           TEXT    NOT NULL,
            position          TEXT    NOT NULL,
            exception_type    TEXT    NOT NULL,
            exception_message TEXT    NOT NULL,
            attempts          INTEGER NOT NULL,
            failed_at         INTEGER NOT NULL,
            headers           BLOB    NOT NULL,
            body              BLOB    NOT NULL
        );
        CREATE INDEX conveyor_dead_letters_order ON conveyor_dead_letters (failed_at, id);
        CREATE INDEX conveyor_dead_letters_endpoint ON conveyor_dead_letters (endpoint_id, failed_at, id);
        CREATE INDEX conveyor_dead_letters_channel ON conveyor_dead_letters (channel, failed_at, id);

        CREATE TABLE conveyor_scheduled (
            id               INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
            channel          TEXT    NOT NULL,
            redeliver        INTEGER NOT NULL,
            headers          BLOB    NOT NULL,
            body             BLOB    NOT NULL,
            due_at           INTEGER NOT NULL,
            next_attempt_at  INTEGER NOT NULL,
            attempts         INTEGER NOT NULL DEFAULT 0,
            lease_owner      TEXT    NULL,
            lease_expires_at INTEGER NULL
        );
        CREATE INDEX conveyor_scheduled_next ON conveyor_scheduled (next_attempt_at, id);
        """,

        // 2: the transactional outbox: messages in append order per lane, and who relays each lane until when.
        """
        CREATE TABLE conveyor_outbox (
            id      INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
            lane    INTEGER NOT NULL,
            channel TEXT    NOT NULL,
            headers BLOB    NOT NULL,
            body    BLOB    NOT NULL
        );
        CREATE INDEX conveyor_outbox_lane ON conveyor_outbox (lane, id);

        CREATE TABLE conveyor_outbox_lanes (
            lane             INTEGER NOT NULL PRIMARY KEY,
            owner            TEXT    NULL,
            lease_expires_at INTEGER NULL
        );
        """,

        // 3: the database channels' messages: available from available_at (UTC ticks), leased by one consumer at a time.
        """
        CREATE TABLE conveyor_channel_messages (
            id               INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
            channel          TEXT    NOT NULL,
            headers          BLOB    NOT NULL,
            body             BLOB    NOT NULL,
            available_at     INTEGER NOT NULL,
            lease_owner      TEXT    NULL,
            lease_expires_at INTEGER NULL
        );
        CREATE INDEX conveyor_channel_messages_available ON conveyor_channel_messages (channel, available_at, id);
        CREATE INDEX conveyor_channel_messages_owner ON conveyor_channel_messages (lease_owner) WHERE lease_owner IS NOT NULL;
        """,

        // 4: aggregate states (and event-sourced aggregates' snapshots), and event streams.
        """
        CREATE TABLE conveyor_aggregates (
            aggregate_type TEXT    NOT NULL,
            id             TEXT    NOT NULL,
            version        INTEGER NOT NULL,
            state          TEXT    NOT NULL,
            PRIMARY KEY (aggregate_type, id)
        ) WITHOUT ROWID;

        CREATE TABLE conveyor_events (
            position    INTEGER NOT NULL PRIMARY KEY AUTOINCREMENT,
            stream_id   TEXT    NOT NULL,
            version     INTEGER NOT NULL,
            event_type  TEXT    NOT NULL,
            data        TEXT    NOT NULL,
            metadata    TEXT    NULL,
            -- UTC ticks.
            recorded_at INTEGER NOT NULL,
            UNIQUE (stream_id, version)
        );
        """,
    ];

    /// <summary>The version this package's schema is at.</summary>
    public static int Latest => Migrations.Length;

    /// <summary>Brings the schema to <see cref="Latest"/> inside <paramref name="transaction"/>; returns the version it was at.</summary>
    public static int Migrate(SqliteConnection connection, SqliteTransaction transaction)
    {
        Execute(connection, transaction, CreateSchemaTable);
        using var read = connection.CreateCommand();
        read.Transaction = transaction;
        read.CommandText = "SELECT COALESCE(MAX(version), 0) FROM conveyor_schema;";
        var current = Convert.ToInt32(read.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        if (current > Latest)
        {
            throw new InvalidOperationException(
                $"The SQLite database '{connection.DataSource}' has Conveyor schema version {current}, newer than this version of Conveyor.Sqlite knows ({Latest}). Upgrade the package, or use another database file.");
        }

        for (var version = current + 1; version <= Latest; version++)
        {
            Execute(connection, transaction, Migrations[version - 1]);
            using var record = connection.CreateCommand();
            record.Transaction = transaction;
            record.CommandText = "INSERT INTO conveyor_schema (version, applied_at) VALUES ($version, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));";
            record.Parameters.AddWithValue("$version", version);
            record.ExecuteNonQuery();
        }

        return current;
    }

    private static void Execute(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        using var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
