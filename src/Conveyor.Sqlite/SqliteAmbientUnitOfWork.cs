namespace Conveyor.Sqlite;

/// <summary>
/// The SQLite unit of work of the message whose outgoing messages are being handed over, set by
/// <see cref="SqliteOutgoingMiddleware"/> around the rest of the outgoing path: the scheduler writes a delayed message
/// in that transaction rather than waiting for the write lock the message's own unit of work holds.
/// </summary>
internal static class SqliteAmbientUnitOfWork
{
    private static readonly AsyncLocal<SqliteUnitOfWork?> Value = new();

    public static SqliteUnitOfWork? Current
    {
        get => Value.Value is { IsEnded: false } current ? current : null;
        set => Value.Value = value;
    }
}
