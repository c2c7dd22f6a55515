namespace Conveyor.Sqlite;

/// <summary>Holds the message's <see cref="SqliteUnitOfWork"/> in its DI scope, so that handlers can inject it.</summary>
internal sealed class SqliteUnitOfWorkSlot
{
    public SqliteUnitOfWork? Current { get; set; }
}
