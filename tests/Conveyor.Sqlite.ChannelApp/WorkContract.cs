using Conveyor.Sqlite;

namespace Conveyor.Sqlite.ChannelApp;

/// <summary>One unit of work on the <c>work</c> channel.</summary>
public sealed record Work(int Number);

/// <summary>
/// Records the message's number and this process's id in the <c>handled</c> table, in the message's unit of work: the
/// number is the primary key, so a message handled twice would fail instead of being counted twice.
/// </summary>
public sealed class Worker(SqliteUnitOfWork unitOfWork)
{
    public const string Channel = "work";

    public const string CreateTable = "CREATE TABLE IF NOT EXISTS handled (number INTEGER NOT NULL PRIMARY KEY, process INTEGER NOT NULL);";

    [Asynchronous(Channel)]
    [CommandHandler(EndpointId = "work.do")]
    public async Task Handle(Work work)
    {
        using var insert = unitOfWork.CreateCommand("INSERT INTO handled (number, process) VALUES ($number, $process);");
        insert.Parameters.AddWithValue("$number", work.Number);
        insert.Parameters.AddWithValue("$process", Environment.ProcessId);
        await insert.ExecuteNonQueryAsync();
    }
}
