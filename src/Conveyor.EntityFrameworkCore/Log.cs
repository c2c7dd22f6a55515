using Microsoft.Extensions.Logging;

namespace Conveyor.EntityFrameworkCore;

/// <summary>The EF Core integration's log messages (event ids 70xx).</summary>
internal static partial class Log
{
    [LoggerMessage(5201, LogLevel.Debug, "{Context} joined the unit of work of endpoint {Endpoint}: it uses the unit of work's connection and transaction")]
    public static partial void Joined(ILogger logger, string context, string? endpoint);

    [LoggerMessage(5202, LogLevel.Warning, "{Context} has changes the handler of {Endpoint} did not save; they are discarded (SaveChangesOnCommit is off: call SaveChangesAsync in the handler, or turn it on)")]
    public static partial void PendingChangesDiscarded(ILogger logger, string context, string endpoint);

    [LoggerMessage(5203, LogLevel.Debug, "Saved {Count} pending changes of {Context} for the handler of {Endpoint} before the unit of work commits")]
    public static partial void PendingChangesSaved(ILogger logger, int count, string context, string endpoint);
}
