using Microsoft.Extensions.Logging;

namespace Conveyor.PostgreSql;

/// <summary>
/// The PostgreSQL stores' log messages (event ids 510x); the scheduler's and the clean-up's (5010–5022) are the ones
/// every database store package shares.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(5101, LogLevel.Information, "{Database} migrated from schema version {From} to {To}")]
    public static partial void Migrated(ILogger logger, string database, int from, int to);
}
