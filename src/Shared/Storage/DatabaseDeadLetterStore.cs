using System.Data;
using System.Data.Common;
using Conveyor.Failures.DeadLetters;

namespace Conveyor.Storage;

/// <summary>
/// What every database dead-letter store shares (compiled by each store package, like
/// <see cref="LeasedMessageScheduler"/>): the parameters of the <c>conveyor_dead_letters</c> statements, the filters
/// and keyset paging of a listing (one row more than the page says whether a next page exists, and the last row's
/// (failed at, id) is the next page's token), and reading a row back into a <see cref="DeadLetter"/>, whose
/// <see cref="DeadLetter.FailedAt"/> is kept to the tick. The package supplies its dialect's SQL, its connections and
/// how it writes (SQLite through its single write lock).
/// </summary>
/// <remarks>
/// The SQL names its parameters <c>id</c>, <c>message_id</c>, <c>endpoint_id</c>, <c>channel</c>, <c>position</c>,
/// <c>exception_type</c>, <c>exception_message</c>, <c>attempts</c>, <c>failed_at</c>, <c>headers</c>, <c>body</c>
/// (add), <c>id</c> (get, delete) and <c>endpoint_id</c>, <c>channel</c>, <c>exception_type</c>, <c>failed_from</c>,
/// <c>failed_to</c>, <c>after_at</c>, <c>after_id</c>, <c>limit</c> (list, where an unset filter is NULL); get and
/// list select <see cref="Columns"/> in that order.
/// </remarks>
internal abstract class DatabaseDeadLetterStore : IDeadLetterStore
{
    /// <summary>The columns get and list select, in the order <see cref="Read"/> reads them.</summary>
    public const string Columns = "message_id, endpoint_id, channel, position, exception_type, exception_message, attempts, failed_at, headers, body";

    /// <summary>Inserts a dead letter, or replaces the one with its id.</summary>
    protected abstract string AddSql { get; }

    /// <summary>Selects the dead letter with an id.</summary>
    protected abstract string GetSql { get; }

    /// <summary>Deletes the dead letter with an id.</summary>
    protected abstract string DeleteSql { get; }

    /// <summary>Selects a page of the dead letters that pass the filters, after a (failed at, id) position, in that order.</summary>
    protected abstract string ListSql { get; }

    public async ValueTask AddAsync(DeadLetter deadLetter, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(deadLetter);
        var headers = StoredHeaders.Encode(deadLetter.Message.Headers);
        var body = deadLetter.Message.Body.ToArray();
        await WriteAsync(
            AddSql,
            command =>
            {
                Add(command, "id", deadLetter.Id, DbType.String);
                Add(command, "message_id", deadLetter.MessageId, DbType.String);
                Add(command, "endpoint_id", deadLetter.EndpointId, DbType.String);
                Add(command, "channel", deadLetter.ChannelName, DbType.String);
                Add(command, "position", deadLetter.Position, DbType.String);
                Add(command, "exception_type", deadLetter.ExceptionType, DbType.String);
                Add(command, "exception_message", deadLetter.ExceptionMessage, DbType.String);
                Add(command, "attempts", deadLetter.Attempts, DbType.Int32);
                Add(command, "failed_at", deadLetter.FailedAt.UtcTicks, DbType.Int64);
                Add(command, "headers", headers, DbType.Binary);
                Add(command, "body", body, DbType.Binary);
            },
            cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<DeadLetterPage> ListAsync(DeadLetterQuery query, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(query);
        var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var command = CreateCommand(connection, ListSql);
            Add(command, "endpoint_id", query.EndpointId, DbType.String);
            Add(command, "channel", query.ChannelName, DbType.String);
            Add(command, "exception_type", query.ExceptionType, DbType.String);
            Add(command, "failed_from", query.FailedFrom?.UtcTicks, DbType.Int64);
            Add(command, "failed_to", query.FailedTo?.UtcTicks, DbType.Int64);
            Add(command, "after_at", query.AfterPosition?.FailedAt.UtcTicks, DbType.Int64);
            Add(command, "after_id", query.AfterPosition?.Id, DbType.String);

            // One more than the page says whether a next page exists.
            Add(command, "limit", query.Limit + 1, DbType.Int32);
            var items = new List<DeadLetter>();
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                while (await reader.ReadAsync(cancellationToken).ConfigureAwait(false))
                {
                    items.Add(Read(reader));
                }
            }

            if (items.Count <= query.Limit)
            {
                return new DeadLetterPage(items, null);
            }

            items.RemoveAt(items.Count - 1);
            return new DeadLetterPage(items, DeadLetterPosition.Of(items[^1]).ToToken());
        }
    }

    public async ValueTask<DeadLetter?> GetAsync(string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);
        var connection = await OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            using var command = CreateCommand(connection, GetSql);
            Add(command, "id", id, DbType.String);
            var reader = await command.ExecuteReaderAsync(cancellationToken).ConfigureAwait(false);
            await using (reader.ConfigureAwait(false))
            {
                return await reader.ReadAsync(cancellationToken).ConfigureAwait(false) ? Read(reader) : null;
            }
        }
    }

    public async ValueTask<bool> DeleteAsync(string id, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(id);
        return await WriteAsync(DeleteSql, command => Add(command, "id", id, DbType.String), cancellationToken).ConfigureAwait(false) == 1;
    }

    /// <summary>Opens a connection to read on.</summary>
    protected abstract ValueTask<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken);

    /// <summary>A command for <paramref name="sql"/> on <paramref name="connection"/>.</summary>
    protected abstract DbCommand CreateCommand(DbConnection connection, string sql);

    /// <summary>Runs <paramref name="sql"/>, with the parameters <paramref name="bind"/> adds, as a committed write.</summary>
    /// <returns>The number of rows it changed.</returns>
    protected abstract ValueTask<int> WriteAsync(string sql, Action<DbCommand> bind, CancellationToken cancellationToken);

    // Typed, so that a NULL filter still has a type (PostgreSQL cannot infer one from NULL).
    private static void Add(DbCommand command, string name, object? value, DbType type)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.DbType = type;
        parameter.Value = value ?? DBNull.Value;
        command.Parameters.Add(parameter);
    }

    private static DeadLetter Read(DbDataReader reader) => new(
        MessageId: reader.GetString(0),
        EndpointId: reader.GetString(1),
        Message: new TransportMessage(StoredHeaders.Decode(reader.GetFieldValue<byte[]>(8)), reader.GetFieldValue<byte[]>(9)),
        ChannelName: reader.GetString(2),
        Position: reader.GetString(3),
        ExceptionType: reader.GetString(4),
        ExceptionMessage: reader.GetString(5),
        Attempts: reader.GetInt32(6),
        FailedAt: new DateTimeOffset(reader.GetInt64(7), TimeSpan.Zero));
}
