using Microsoft.Extensions.Logging;

namespace Conveyor.Diagnostics;

/// <summary>The dynamic channel's log messages (event ids 42xx).</summary>
internal static partial class Log
{
    [LoggerMessage(4201, LogLevel.Information, "Dynamic channel {Channel} discarded message {MessageId}: its sending decider {Decider} chose no sub-channel")]
    public static partial void DynamicChannelDiscarded(ILogger logger, string channel, string? messageId, string decider);

    [LoggerMessage(4202, LogLevel.Debug, "Dynamic channel {Channel} skipped sub-channel {SubChannel}: its consumption decider said no")]
    public static partial void DynamicChannelSkipped(ILogger logger, string channel, string subChannel);
}
