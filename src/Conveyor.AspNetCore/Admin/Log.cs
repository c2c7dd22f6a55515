using Microsoft.Extensions.Logging;

namespace Conveyor.AspNetCore.Admin;

/// <summary>The admin page's log events (7xxx).</summary>
internal static partial class Log
{
    [LoggerMessage(8001, LogLevel.Warning, "The Conveyor admin page at {Prefix} allows anonymous access (AllowAnonymous = true): anyone who reaches it can pause consumers and replay or delete dead letters. Set AuthorizationPolicy instead unless the network is restricted")]
    public static partial void AnonymousAccess(ILogger logger, string prefix);

    [LoggerMessage(8002, LogLevel.Warning, "Admin: consumer {Name} paused by {User}")]
    public static partial void Paused(ILogger logger, string name, string user);

    [LoggerMessage(8003, LogLevel.Information, "Admin: consumer {Name} resumed by {User}")]
    public static partial void Resumed(ILogger logger, string name, string user);

    [LoggerMessage(8004, LogLevel.Information, "Admin: dead letter {Id} replayed by {User}")]
    public static partial void Replayed(ILogger logger, string id, string user);

    [LoggerMessage(8005, LogLevel.Warning, "Admin: dead letter {Id} deleted by {User}")]
    public static partial void Deleted(ILogger logger, string id, string user);

    [LoggerMessage(8006, LogLevel.Warning, "Admin: the lag of channel {Channel} could not be read")]
    public static partial void LagFailed(ILogger logger, Exception exception, string channel);
}
