using Microsoft.Extensions.Logging;

namespace Conveyor.Sqlite;

/// <summary>The SQLite stores' log messages (event ids 500x; the scheduler's and the clean-up's, shared by every store package, are StorageLog's).</summary>
internal static partial class Log
{
    [LoggerMessage(5001, LogLevel.Information, "SQLite database {Path} migrated from schema version {From} to {To}")]
    public static partial void Migrated(ILogger logger, string path, int from, int to);
}
