using Conveyor.Scheduling;
using Conveyor.Storage;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Conveyor.PostgreSql.Scheduling;

/// <summary>
/// Scheduled messages in the <c>conveyor_scheduled</c> table: they survive a restart, and every application instance
/// on the database shares them, each message delivered by one of them (the poll loop and its leases are
/// <see cref="LeasedMessageScheduler"/>'s). A poll takes its batch with <c>FOR UPDATE SKIP LOCKED</c>: instances
/// polling at once take different messages instead of waiting for each other. Leases are on the database clock, so
/// instances whose clocks differ agree on when one ran out; due times are on the application's clock.
/// </summary>
internal sealed class PostgreSqlMessageScheduler(PostgreSqlDatabase database, PostgreSqlOptions options, TimeProvider time, ILogger<PostgreSqlMessageScheduler> logger)
    : LeasedMessageScheduler(options, time, logger)
{
    private const string Schedule = """
        INSERT INTO {schema}.conveyor_scheduled (channel, redeliver, headers, body, due_at, next_attempt_at)
        VALUES (@channel, @redeliver, @headers, @body, @due_at, @due_at);
        """;

    private const string Count = "SELECT COUNT(*) FROM {schema}.conveyor_scheduled;";

    private const string Lease = """
        UPDATE {schema}.conveyor_scheduled AS s
        SET lease_owner = @owner, lease_expires_at = clock_timestamp() + @lease_ms * interval '1 millisecond'
        FROM (
            SELECT id FROM {schema}.conveyor_scheduled
            WHERE next_attempt_at <= @now AND (lease_expires_at IS NULL OR lease_expires_at <= clock_timestamp())
            ORDER BY next_attempt_at, id
            LIMIT @limit
            FOR UPDATE SKIP LOCKED) AS due
        WHERE s.id = due.id
        RETURNING s.id, s.channel, s.redeliver, s.headers, s.body, s.due_at, s.next_attempt_at, s.attempts;
        """;

    private const string Renew = """
        UPDATE {schema}.conveyor_scheduled SET lease_expires_at = clock_timestamp() + @lease_ms * interval '1 millisecond'
        WHERE lease_owner = @owner;
        """;

    private const string Delivered = "DELETE FROM {schema}.conveyor_scheduled WHERE id = @id AND lease_owner = @owner;";

    private const string Failed = """
        UPDATE {schema}.conveyor_scheduled
        SET attempts = attempts + 1, next_attempt_at = @next_attempt_at, lease_owner = NULL, lease_expires_at = NULL
        WHERE id = @id AND lease_owner = @owner;
        """;

    private const string NextDue = """
        SELECT MIN(next_attempt_at) FROM {schema}.conveyor_scheduled
        WHERE lease_expires_at IS NULL OR lease_expires_at <= clock_timestamp() OR lease_owner = @owner;
        """;

    private const string Release = "UPDATE {schema}.conveyor_scheduled SET lease_owner = NULL, lease_expires_at = NULL WHERE lease_owner = @owner;";

    protected override string StoreName => database.Name;

    public override async ValueTask ScheduleAsync(ScheduledMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);

        // Sent by a handler: written in its unit of work, so that it exists, for the poll loop too, once that commits.
        if (AmbientUnitOfWork<PostgreSqlUnitOfWork>.Current is { } joined && joined.Database == database)
        {
            await InsertAsync(message, joined.Connection, joined.Transaction, cancellationToken).ConfigureAwait(false);
            joined.Enlist(WakeOnCommit());
            return;
        }

        await using (var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false))
        {
            await InsertAsync(message, connection, null, cancellationToken).ConfigureAwait(false);
        }

        Wake();
    }

    protected override async ValueTask<long> CountAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        using var command = database.Command(Count, connection);
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    protected override async Task<List<LeasedMessage>> LeaseAsync(long nowTicks, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        using var command = OwnerCommand(Lease, connection);
        command.Parameters.AddWithValue("now", nowTicks);
        command.Parameters.AddWithValue("limit", BatchSize);
        var rows = new List<(long NextAttempt, LeasedMessage Leased)>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false))
        {
            while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
            {
                var message = new TransportMessage(StoredHeaders.Decode(reader.GetFieldValue<byte[]>(3)), reader.GetFieldValue<byte[]>(4));
                var scheduled = new ScheduledMessage(reader.GetString(1), message, new DateTimeOffset(reader.GetInt64(5), TimeSpan.Zero), reader.GetBoolean(2));
                rows.Add((reader.GetInt64(6), new LeasedMessage(reader.GetInt64(0), scheduled, reader.GetInt32(7))));
            }
        }

        // RETURNING gives no order: deliver in due order.
        rows.Sort((a, b) => a.NextAttempt != b.NextAttempt ? a.NextAttempt.CompareTo(b.NextAttempt) : a.Leased.Id.CompareTo(b.Leased.Id));
        return rows.ConvertAll(r => r.Leased);
    }

    protected override Task<int> RenewAsync(CancellationToken cancellationToken) => ExecuteAsync(Renew, null, null, cancellationToken);

    protected override async Task<bool> DeliveredAsync(long id) => await ExecuteAsync(Delivered, id, null, CancellationToken.None).ConfigureAwait(false) == 1;

    protected override Task FailedAsync(long id, long nextAttemptTicks) => ExecuteAsync(Failed, id, nextAttemptTicks, CancellationToken.None);

    protected override async Task<long?> NextDueAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        using var command = OwnerCommand(NextDue, connection);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long ticks ? ticks : null;
    }

    protected override Task ReleaseAsync() => ExecuteAsync(Release, null, null, CancellationToken.None);

    private async Task InsertAsync(ScheduledMessage message, NpgsqlConnection connection, NpgsqlTransaction? transaction, CancellationToken cancellationToken)
    {
        using var command = database.Command(Schedule, connection, transaction);
        command.Parameters.AddWithValue("channel", message.Channel);
        command.Parameters.AddWithValue("redeliver", message.Redeliver);
        command.Parameters.AddWithValue("headers", StoredHeaders.Encode(message.Message.Headers));
        command.Parameters.AddWithValue("body", message.Message.Body.ToArray());
        command.Parameters.AddWithValue("due_at", message.DueAt.UtcTicks);
        await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task<int> ExecuteAsync(string sql, long? id, long? nextAttemptAt, CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        using var command = OwnerCommand(sql, connection);
        if (id is not null)
        {
            command.Parameters.AddWithValue("id", id.Value);
        }

        if (nextAttemptAt is not null)
        {
            command.Parameters.AddWithValue("next_attempt_at", nextAttemptAt.Value);
        }

        return await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
    }

    private NpgsqlCommand OwnerCommand(string sql, NpgsqlConnection connection)
    {
        var command = database.Command(sql, connection);
        command.Parameters.AddWithValue("owner", Owner);
        if (sql.Contains("@lease_ms", StringComparison.Ordinal))
        {
            command.Parameters.AddWithValue("lease_ms", (double)LeaseMilliseconds);
        }

        return command;
    }
}
