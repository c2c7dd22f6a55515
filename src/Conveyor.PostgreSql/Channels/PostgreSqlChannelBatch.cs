using Conveyor.Channels.Database;
using Conveyor.PostgreSql.Deduplication;
using Conveyor.Storage;
using Conveyor.UnitOfWork;
using Npgsql;
using NpgsqlTypes;

namespace Conveyor.PostgreSql.Channels;

/// <summary>
/// The one transaction a database channel's consumer handles a leased batch in: one pooled connection and a READ
/// COMMITTED transaction on it. While a message is handled (<see cref="HandleAsync{T}"/>) the batch is ambient, and the
/// message's <see cref="PostgreSqlUnitOfWork"/> joins it as a member: what Conveyor writes for the message (the sends, the
/// acknowledgement, the stamps) is buffered and handed to the batch when the member commits, dropped when it rolls back;
/// SQL of the handler's own runs under a savepoint the member takes when the handler first asks for the connection or
/// transaction. The batch claims the deduplication keys of its messages ahead in one statement
/// (<see cref="Claims"/>), and sends every buffered statement and the acknowledgements in one batch with the
/// <c>COMMIT</c>.
/// </summary>
internal sealed class PostgreSqlChannelBatch : IDatabaseChannelBatch
{
    private static readonly AsyncLocal<PostgreSqlChannelBatch?> Ambient = new();

    // The acknowledgements: rows another consumer took after their lease ran out are left to it.
    private const string Delete = "DELETE FROM {schema}.conveyor_channel_messages WHERE id = ANY(@ids) AND lease_owner = @owner;";

    private const string DeleteClaims = """
        DELETE FROM {schema}.conveyor_deduplication
        WHERE (endpoint_id, key) IN (SELECT * FROM unnest(@endpoints, @keys));
        """;

    private const string StampClaims = """
        UPDATE {schema}.conveyor_deduplication AS d SET expires_at = s.expires_at, pending_until = NULL
        FROM unnest(@endpoints, @keys, @expires) AS s(endpoint_id, key, expires_at)
        WHERE d.endpoint_id = s.endpoint_id AND d.key = s.key;
        """;

    private readonly string _owner;
    private readonly IReadOnlyList<LeasedMessage> _messages;
    private readonly HashSet<long> _acknowledged = [];
    private readonly List<Func<NpgsqlBatchCommand>> _commands = [];
    private readonly List<IUnitOfWorkParticipant> _participants = [];
    private int _current;
    private int _savepoints;
    private bool _ended;

    private PostgreSqlChannelBatch(PostgreSqlDatabase database, string owner, IReadOnlyList<LeasedMessage> messages, NpgsqlConnection connection, NpgsqlTransaction transaction)
    {
        Database = database;
        _owner = owner;
        _messages = messages;
        Connection = connection;
        Transaction = transaction;
    }

    /// <summary>The batch of the message being handled in this execution context, while it is open and usable.</summary>
    public static PostgreSqlChannelBatch? Current => Ambient.Value is { IsUsable: true } current ? current : null;

    public PostgreSqlDatabase Database { get; }

    public NpgsqlConnection Connection { get; }

    public NpgsqlTransaction Transaction { get; }

    /// <summary>The deduplication keys the transaction claimed.</summary>
    public BatchClaims Claims { get; } = new();

    /// <summary>The member unit of work open now, if any: only the message's own joins; one begun inside it gets a transaction of its own.</summary>
    public PostgreSqlUnitOfWork? Member { get; set; }

    public bool IsUsable => !_ended && !IsBroken;

    /// <summary>Whether a statement the batch sent on its own account failed, which leaves the transaction only to roll back.</summary>
    public bool IsBroken { get; private set; }

    /// <summary>The message id of the message being handled.</summary>
    public string? CurrentMessageId => _messages[_current].Message.MessageId;

    /// <summary>The distinct message ids of the message being handled and those after it, sorted (the order every claim locks keys in).</summary>
    public string[] RemainingMessageIds()
    {
        var ids = new SortedSet<string>(StringComparer.Ordinal);
        for (var i = _current; i < _messages.Count; i++)
        {
            if (_messages[i].Message.MessageId is { } id)
            {
                ids.Add(id);
            }
        }

        return [.. ids];
    }

    public static async ValueTask<PostgreSqlChannelBatch> BeginAsync(PostgreSqlDatabase database, string owner, IReadOnlyList<LeasedMessage> messages, CancellationToken cancellationToken)
    {
        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            // Npgsql sends the BEGIN with the transaction's first statement: no round trip of its own.
            var transaction = await connection.BeginTransactionAsync(cancellationToken).ConfigureAwait(false);
            return new PostgreSqlChannelBatch(database, owner, messages, connection, transaction);
        }
        catch
        {
            await connection.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    public async ValueTask<T> HandleAsync<T>(int index, Func<ValueTask<T>> handle)
    {
        ArgumentNullException.ThrowIfNull(handle);
        _current = index;

        // An async frame of its own: the ambient batch is undone when it returns.
        Ambient.Value = this;
        return await handle().ConfigureAwait(false);
    }

    public void Acknowledge(long id) => _acknowledged.Add(id);

    /// <summary>Sends the statement <paramref name="command"/> makes with the commit.</summary>
    public void OnCommitting(Func<NpgsqlBatchCommand> command) => _commands.Add(command);

    /// <summary>Tells <paramref name="participant"/> when the batch committed or rolled back.</summary>
    public void Enlist(IUnitOfWorkParticipant participant) => _participants.Add(participant);

    /// <summary>A savepoint name unique in the transaction.</summary>
    public string NextSavepoint() => $"conveyor_{++_savepoints}";

    /// <summary>Runs a statement of the batch's own account (not under a member's savepoint); a failure breaks the batch.</summary>
    public async Task<T> RunAsync<T>(Func<NpgsqlConnection, NpgsqlTransaction, Task<T>> statement)
    {
        try
        {
            return await statement(Connection, Transaction).ConfigureAwait(false);
        }
        catch
        {
            Break();
            throw;
        }
    }

    /// <summary>
    /// Marks the transaction unusable (a statement in it failed where no savepoint could undo it) and rolls it back at
    /// once: its locks (the claims it made ahead) must not keep the retry of the failed message, in a transaction of its
    /// own, waiting. Every message it held is delivered again.
    /// </summary>
    public void Break()
    {
        if (IsBroken)
        {
            return;
        }

        IsBroken = true;
        try
        {
            Transaction.Rollback();
        }
        catch (Exception e) when (e is NpgsqlException or InvalidOperationException)
        {
            // The connection is gone: the server rolled the transaction back with it.
        }
    }

    public async ValueTask<int> CommitAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(_ended, this);
        if (IsBroken)
        {
            throw new InvalidOperationException("A statement of the batch transaction failed; it can only roll back.");
        }

        NpgsqlBatchCommand? delete = null;
        await using (var batch = new NpgsqlBatch(Connection, Transaction))
        {
            var (unused, unstamped) = Claims.ToSettle();
            if (unused.Count > 0)
            {
                batch.BatchCommands.Add(ClaimsCommand(DeleteClaims, unused));
            }

            if (unstamped.Count > 0)
            {
                var stamp = ClaimsCommand(StampClaims, [.. unstamped.Select(c => (c.Endpoint, c.Key))]);
                stamp.Parameters.Add(new NpgsqlParameter("expires", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = unstamped.Select(c => c.ExpiresAt).ToArray() });
                batch.BatchCommands.Add(stamp);
            }

            foreach (var command in _commands)
            {
                batch.BatchCommands.Add(command());
            }

            if (_acknowledged.Count > 0)
            {
                delete = Database.BatchCommand(Delete);
                delete.Parameters.Add(new NpgsqlParameter("ids", NpgsqlDbType.Array | NpgsqlDbType.Bigint) { Value = _acknowledged.ToArray() });
                delete.Parameters.AddWithValue("owner", _owner);
                batch.BatchCommands.Add(delete);
            }

            // After a failed statement the server skips the rest, the COMMIT with it, and disposing rolls back.
            batch.BatchCommands.Add(new NpgsqlBatchCommand("COMMIT"));
            await batch.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }

        await EndAsync().ConfigureAwait(false);
        foreach (var participant in _participants)
        {
            await participant.CommitAsync(cancellationToken).ConfigureAwait(false);
        }

        return _acknowledged.Count - (delete?.RecordsAffected is { } deleted ? (int)deleted : 0);
    }

    /// <summary>Rolls back what was not committed.</summary>
    public async ValueTask DisposeAsync()
    {
        if (_ended)
        {
            return;
        }

        await EndAsync().ConfigureAwait(false);
        for (var i = _participants.Count - 1; i >= 0; i--)
        {
            await _participants[i].RollbackAsync(CancellationToken.None).ConfigureAwait(false);
        }
    }

    private NpgsqlBatchCommand ClaimsCommand(string sql, List<(string Endpoint, string Key)> claims)
    {
        var command = Database.BatchCommand(sql);
        command.Parameters.Add(new NpgsqlParameter("endpoints", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = claims.Select(c => c.Endpoint).ToArray() });
        command.Parameters.Add(new NpgsqlParameter("keys", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = claims.Select(c => c.Key).ToArray() });
        return command;
    }

    // Disposing an uncommitted transaction rolls it back; the connection goes back to the pool even when that fails.
    private async ValueTask EndAsync()
    {
        _ended = true;
        try
        {
            await Transaction.DisposeAsync().ConfigureAwait(false);
        }
        finally
        {
            await Connection.DisposeAsync().ConfigureAwait(false);
        }
    }
}
