using Microsoft.Extensions.DependencyInjection;

namespace Conveyor.Runtime;

/// <summary>Sends a handler's non-null return value to its output channel: an internal handler or a registered channel.</summary>
internal sealed class OutputChannelResultStep(string channel) : HandlerResultStep
{
    public override async ValueTask<object?> HandleAsync(HandlerContext context, object? instance, object? result)
    {
        if (result is not null)
        {
            await context.Services.GetRequiredService<MessageDispatcher>().SendToChannelAsync(channel, result, context, context.CancellationToken).ConfigureAwait(false);
        }

        return result;
    }
}
