using Conveyor.Storage;
using Microsoft.Data.Sqlite;

namespace Conveyor.Sqlite;

/// <summary>
/// Where a store of the message's DI scope reads and writes: in the message's <see cref="SqliteUnitOfWork"/> when it
/// has one of this database (its writes commit with the handler's and the deduplication claim, and it already holds
/// the write lock), else on a connection or in a write transaction of its own.
/// </summary>
internal sealed class SqliteStoreTransaction(SqliteDatabase database, UnitOfWorkSlot<SqliteUnitOfWork>? slot)
{
    private SqliteUnitOfWork? UnitOfWork => slot?.Current is { IsEnded: false } current && current.Database == database ? current : null;

    public async ValueTask<T> ReadAsync<T>(Func<SqliteConnection, SqliteTransaction?, T> work, CancellationToken cancellationToken)
    {
        if (UnitOfWork is { } unitOfWork)
        {
            return work(unitOfWork.Connection, unitOfWork.Transaction);
        }

        var connection = await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            return work(connection, null);
        }
    }

    public ValueTask<T> WriteAsync<T>(Func<SqliteConnection, SqliteTransaction, T> work, CancellationToken cancellationToken) =>
        UnitOfWork is { } unitOfWork ? new(work(unitOfWork.Connection, unitOfWork.Transaction)) : database.WriteAsync(work, cancellationToken);

    public static SqliteCommand Command(SqliteConnection connection, SqliteTransaction? transaction, string sql)
    {
        var command = connection.CreateCommand();
        command.Transaction = transaction;
        command.CommandText = sql;
        return command;
    }
}
