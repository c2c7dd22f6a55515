using Conveyor.Storage;
using Npgsql;

namespace Conveyor.PostgreSql;

/// <summary>
/// Where a store of the message's DI scope reads and writes: in the message's <see cref="PostgreSqlUnitOfWork"/> when
/// it has one of this database (its writes commit with the handler's and the deduplication claim), else on a pooled
/// connection or in a transaction of its own.
/// </summary>
internal sealed class PostgreSqlStoreTransaction(PostgreSqlDatabase database, UnitOfWorkSlot<PostgreSqlUnitOfWork>? slot)
{
    public PostgreSqlDatabase Database => database;

    /// <summary>The message's unit of work on this database, while it is open; null outside one.</summary>
    public PostgreSqlUnitOfWork? UnitOfWork => slot?.Current is { IsEnded: false } current && current.Database == database ? current : null;

    public async ValueTask<T> ReadAsync<T>(Func<NpgsqlConnection, NpgsqlTransaction?, Task<T>> work, CancellationToken cancellationToken)
    {
        if (UnitOfWork is { } unitOfWork)
        {
            return await work(unitOfWork.Connection, unitOfWork.Transaction).ConfigureAwait(false);
        }

        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return await work(connection, null).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Runs <paramref name="work"/> in the unit of work's transaction, or in one of its own that commits after it; the
    /// last argument tells which (true: the unit of work's, which commits later).
    /// </summary>
    public async ValueTask<T> WriteAsync<T>(Func<NpgsqlConnection, NpgsqlTransaction, PostgreSqlUnitOfWork?, Task<T>> work, CancellationToken cancellationToken) =>
        UnitOfWork is { } unitOfWork
            ? await work(unitOfWork.Connection, unitOfWork.Transaction, unitOfWork).ConfigureAwait(false)
            : await database.WriteAsync((connection, transaction) => work(connection, transaction, null), cancellationToken).ConfigureAwait(false);
}
