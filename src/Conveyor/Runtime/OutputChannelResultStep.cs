using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Runtime;

/// <summary>Sends a handler's non-null return value to its output channel: an internal handler or a registered channel.</summary>
internal sealed class OutputChannelResultStep(string channel) : HandlerResultStep
{
    public override ValueTask HandleAsync(HandlerContext context, object? instance, object? result) =>
        result is null
            ? ValueTask.CompletedTask
            : context.Services.GetRequiredService<MessageDispatcher>().SendToChannelAsync(channel, result, context, context.CancellationToken);
}
