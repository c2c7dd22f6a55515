using System.Data.Common;
using Conveyor.Failures.DeadLetters;
using Conveyor.Storage;
using Microsoft.Data.Sqlite;

namespace Conveyor.Sqlite.DeadLetters;

/// <summary>
/// Dead letters in the <c>conveyor_dead_letters</c> table, one row per dead-letter id, with the message's headers and
/// body byte for byte. <see cref="DeadLetter.FailedAt"/> is kept to the tick. Ids are ordered by SQLite's binary
/// collation (UTF-8 byte order), which is ordinal order except between characters beyond U+FFFF and U+E000–U+FFFF.
/// </summary>
internal sealed class SqliteDeadLetterStore(SqliteDatabase database) : DatabaseDeadLetterStore
{
    protected override string AddSql => DeadLetterSql.Add;

    protected override string GetSql => DeadLetterSql.Get;

    protected override string DeleteSql => DeadLetterSql.Delete;

    protected override string ListSql => DeadLetterSql.List;

    protected override async ValueTask<DbConnection> OpenConnectionAsync(CancellationToken cancellationToken) =>
        await database.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);

    protected override DbCommand CreateCommand(DbConnection connection, string sql) =>
        SqliteStoreTransaction.Command((SqliteConnection)connection, null, sql);

    protected override ValueTask<int> WriteAsync(string sql, Action<DbCommand> bind, CancellationToken cancellationToken) =>
        database.WriteAsync(
            (connection, transaction) =>
            {
                using var command = SqliteStoreTransaction.Command(connection, transaction, sql);
                bind(command);
                return command.ExecuteNonQuery();
            },
            cancellationToken);
}
