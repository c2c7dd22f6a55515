using Conveyor.Storage;
using Conveyor.Outbox;
using Conveyor.UnitOfWork;
using Microsoft.Data.Sqlite;

namespace Conveyor.Sqlite.Outbox;

/// <summary>
/// The outbox in the <c>conveyor_outbox</c> and <c>conveyor_outbox_lanes</c> tables of the application's SQLite
/// database: messages are written in the <see cref="SqliteUnitOfWork"/> that sent them, and relays on every process
/// sharing the file lease lanes from the lanes table.
/// </summary>
/// <remarks>
/// SQLite has one writer at a time, so row ids (AUTOINCREMENT) increase in commit order: a lane's order is its
/// messages' commit order. A claim is one write transaction, so two relays never hold one lane.
/// </remarks>
internal sealed class SqliteOutboxStore(SqliteDatabase database) : IOutboxStore
{
    public bool CanAppendIn(IUnitOfWork unitOfWork) => unitOfWork is SqliteUnitOfWork { IsEnded: false } sqlite && sqlite.Database == database;

    public ValueTask AppendAsync(IUnitOfWork unitOfWork, OutboxMessage message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (unitOfWork is not SqliteUnitOfWork sqlite || sqlite.Database != database)
        {
            throw new ArgumentException("The outbox writes only in a unit of work of its own SQLite database (CanAppendIn).", nameof(unitOfWork));
        }

        using var command = sqlite.CreateCommand(OutboxSql.Append);
        command.Parameters.AddWithValue("$lane", message.Lane);
        command.Parameters.AddWithValue("$channel", message.Channel);
        command.Parameters.AddWithValue("$headers", StoredHeaders.Encode(message.Message.Headers));
        command.Parameters.AddWithValue("$body", message.Message.Body.ToArray());
        command.ExecuteNonQuery();
        return ValueTask.CompletedTask;
    }

    public async ValueTask<IReadOnlyList<OutboxRow>> ClaimAsync(OutboxClaim claim, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(claim);
        return await database.WriteAsync((connection, transaction) => Claim(connection, transaction, claim), cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<int> CompleteAsync(string owner, IReadOnlyList<long> ids, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ids);
        if (ids.Count == 0)
        {
            return 0;
        }

        return await database.WriteAsync(
            (connection, transaction) =>
            {
                using var command = Command(connection, transaction, OutboxSql.Complete);
                command.Parameters.AddWithValue("$owner", owner);
                var id = command.Parameters.Add("$id", SqliteType.Integer);
                var deleted = 0;
                foreach (var value in ids)
                {
                    id.Value = value;
                    deleted += command.ExecuteNonQuery();
                }

                return deleted;
            },
            cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask ReleaseAsync(string owner, CancellationToken cancellationToken) =>
        await database.WriteAsync(
            (connection, transaction) =>
            {
                using var command = Command(connection, transaction, OutboxSql.Release);
                command.Parameters.AddWithValue("$owner", owner);
                return command.ExecuteNonQuery();
            },
            cancellationToken).ConfigureAwait(false);

    public async ValueTask<long> CountAsync(CancellationToken cancellationToken)
    {
        await using var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        using var command = connection.CreateCommand();
        command.CommandText = OutboxSql.Count;
        return (long)(await command.ExecuteScalarAsync(cancellationToken).ConfigureAwait(false))!;
    }

    private static List<OutboxRow> Claim(SqliteConnection connection, SqliteTransaction transaction, OutboxClaim claim)
    {
        var leaseMilliseconds = (long)claim.Lease.TotalMilliseconds;
        foreach (var sql in new[] { OutboxSql.Renew, OutboxSql.Lease })
        {
            using var command = Command(connection, transaction, sql);
            command.Parameters.AddWithValue("$owner", claim.Owner);
            command.Parameters.AddWithValue("$lease_ms", leaseMilliseconds);
            command.Parameters.AddWithValue("$max_lanes", claim.MaxLanes);
            command.ExecuteNonQuery();
        }

        using var read = Command(connection, transaction, OutboxSql.Read);
        read.Parameters.AddWithValue("$owner", claim.Owner);
        read.Parameters.AddWithValue("$batch", claim.BatchSize);
        var rows = new List<OutboxRow>();
        using var reader = read.ExecuteReader();
        while (reader.Read())
        {
            var id = reader.GetInt64(0);
            var lane = reader.GetInt32(1);
            var channel = reader.GetString(2);
            var body = (byte[])reader.GetValue(4);
            try
            {
                rows.Add(new OutboxRow(id, lane, channel, new TransportMessage(StoredHeaders.Decode((byte[])reader.GetValue(3)), body)));
            }
            catch (Exception e) when (e is InvalidDataException or ArgumentException)
            {
                // Kept for the dead letter with the reason; the lane flows on.
                rows.Add(new OutboxRow(id, lane, channel, new TransportMessage(new MessageHeaders(), body), $"The outbox row's headers cannot be read: {e.Message}"));
            }
        }

        return rows;
    }

    private static SqliteCommand Command(SqliteConnection connection, SqliteTransaction transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }
}
