using Conveyor.Scheduling;
using Conveyor.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;

namespace Conveyor.Sqlite.Scheduling;

/// <summary>
/// Scheduled messages in the <c>conveyor_scheduled</c> table: they survive a restart, and several application
/// instances on one database file share them, each message delivered by one of them (the poll loop and its leases
/// are <see cref="LeasedMessageScheduler"/>'s). Due times are on the application's <see cref="TimeProvider"/>: for
/// SQLite, a local file, the same machine's clock as the database's.
/// </summary>
internal sealed class SqliteMessageScheduler(SqliteDatabase database, SqliteOptions options, TimeProvider time, ILogger<SqliteMessageScheduler> logger)
    : LeasedMessageScheduler(options, time, logger)
{
    protected override string StoreName => $"SQLite {database.FilePath}";

    public override async ValueTask ScheduleAsync(ScheduledMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        var headers = StoredHeaders.Encode(message.Message.Headers);
        var body = message.Message.Body.ToArray();
        var joined = AmbientUnitOfWork<SqliteUnitOfWork>.Current is { } ambient && ambient.Database == database ? ambient : null;
        await database.WriteAsync(
            (connection, transaction) =>
            {
                using var command = Command(connection, transaction, SchedulerSql.Schedule);
                command.Parameters.AddWithValue("$channel", message.Channel);
                command.Parameters.AddWithValue("$redeliver", message.Redeliver);
                command.Parameters.AddWithValue("$headers", headers);
                command.Parameters.AddWithValue("$body", body);
                command.Parameters.AddWithValue("$due_at", message.DueAt.UtcTicks);
                return command.ExecuteNonQuery();
            },
            cancellationToken).ConfigureAwait(false);

        // Written in a handler's unit of work, the message exists for the poll loop once that commits.
        if (joined is not null)
        {
            joined.Enlist(WakeOnCommit());
        }
        else
        {
            Wake();
        }
    }

    protected override async ValueTask<long> CountAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        using var command = connection.CreateCommand();
        command.CommandText = SchedulerSql.CountPending;
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    protected override async Task<List<LeasedMessage>> LeaseAsync(long nowTicks, CancellationToken cancellationToken) =>
        await database.WriteAsync((connection, transaction) => Lease(connection, transaction, nowTicks), cancellationToken).ConfigureAwait(false);

    protected override async Task<int> RenewAsync(CancellationToken cancellationToken) =>
        await WriteAsync(SchedulerSql.Renew, null, null, cancellationToken).ConfigureAwait(false);

    protected override async Task<bool> DeliveredAsync(long id) =>
        await WriteAsync(SchedulerSql.Delivered, id, null, CancellationToken.None).ConfigureAwait(false) == 1;

    protected override async Task FailedAsync(long id, long nextAttemptTicks) =>
        await WriteAsync(SchedulerSql.Failed, id, nextAttemptTicks, CancellationToken.None).ConfigureAwait(false);

    protected override async Task<long?> NextDueAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        using var command = connection.CreateCommand();
        command.CommandText = SchedulerSql.NextDue;
        command.Parameters.AddWithValue("$owner", Owner);
        return await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false) is long ticks ? ticks : null;
    }

    protected override async Task ReleaseAsync() =>
        await WriteAsync(SchedulerSql.Release, null, null, CancellationToken.None).ConfigureAwait(false);

    private List<LeasedMessage> Lease(SqliteConnection connection, SqliteTransaction transaction, long now)
    {
        using var command = Command(connection, transaction, SchedulerSql.Lease);
        command.Parameters.AddWithValue("$owner", Owner);
        command.Parameters.AddWithValue("$lease_ms", LeaseMilliseconds);
        command.Parameters.AddWithValue("$now", now);
        command.Parameters.AddWithValue("$limit", BatchSize);
        var rows = new List<(long NextAttempt, LeasedMessage Leased)>();
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                var message = new TransportMessage(StoredHeaders.Decode((byte[])reader.GetValue(3)), (byte[])reader.GetValue(4));
                var scheduled = new ScheduledMessage(reader.GetString(1), message, new DateTimeOffset(reader.GetInt64(5), TimeSpan.Zero), reader.GetBoolean(2));
                rows.Add((reader.GetInt64(6), new LeasedMessage(reader.GetInt64(0), scheduled, reader.GetInt32(7))));
            }
        }

        // RETURNING gives no order: deliver in due order.
        rows.Sort((a, b) => a.NextAttempt != b.NextAttempt ? a.NextAttempt.CompareTo(b.NextAttempt) : a.Leased.Id.CompareTo(b.Leased.Id));
        return rows.ConvertAll(r => r.Leased);
    }

    private ValueTask<int> WriteAsync(string sql, long? id, long? nextAttemptAt, CancellationToken cancellationToken) =>
        database.WriteAsync(
            (connection, transaction) =>
            {
                using var command = Command(connection, transaction, sql);
                command.Parameters.AddWithValue("$owner", Owner);
                command.Parameters.AddWithValue("$lease_ms", LeaseMilliseconds);
                command.Parameters.AddWithValue("$id", (object?)id ?? DBNull.Value);
                command.Parameters.AddWithValue("$next_attempt_at", (object?)nextAttemptAt ?? DBNull.Value);
                return command.ExecuteNonQuery();
            },
            cancellationToken);

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }
}
